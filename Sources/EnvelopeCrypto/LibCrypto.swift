import COpenSSLCrypto

/// The one place this target calls the system libcrypto (OpenSSL 3).
///
/// Why libcrypto and not swift-crypto here: swift-crypto's `AES.GCM` takes and returns
/// `Data`, so opening a batch would copy the ciphertext in and the plaintext out. The
/// log store decrypts fetched batches in place inside the buffer it read them into,
/// and seals produced batches straight into the frame it writes; libcrypto's EVP
/// interface allows both. scrypt (the memory-hard KDF for passphrases) is also only
/// in libcrypto. Key wrapping, which is cold, uses swift-crypto (`KeyWrap`).
enum LibCrypto {
    static let keySize = 32
    static let nonceSize = 12
    static let tagSize = 16

    /// Fetched once: an implicit fetch on every init would take a global lock per batch.
    nonisolated(unsafe) private static let aes256gcm: OpaquePointer? = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil)

    /// AES-256-GCM encryption of `input` into `output` (same length; may be the same
    /// memory), writing the 16-byte tag.
    static func sealAESGCM(
        key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer,
        input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer, tag: UnsafeMutableRawBufferPointer
    ) -> Bool {
        guard key.count == keySize, nonce.count == nonceSize, tag.count == tagSize, output.count == input.count,
            input.count <= Int(Int32.max), associatedData.count <= Int(Int32.max), let cipher = aes256gcm,
            let ctx = EVP_CIPHER_CTX_new()
        else { return false }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var length: Int32 = 0
        guard EVP_EncryptInit_ex(ctx, cipher, nil, key.uint8, nonce.uint8) == 1 else { return false }
        if associatedData.count > 0 {
            guard EVP_EncryptUpdate(ctx, nil, &length, associatedData.uint8, Int32(associatedData.count)) == 1 else { return false }
        }
        if input.count > 0 {
            guard EVP_EncryptUpdate(ctx, output.mutableUInt8, &length, input.uint8, Int32(input.count)) == 1,
                Int(length) == input.count
            else { return false }
        }
        guard EVP_EncryptFinal_ex(ctx, output.mutableUInt8.map { $0 + input.count }, &length) == 1 else { return false }
        return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, Int32(tagSize), tag.baseAddress) == 1
    }

    /// AES-256-GCM decryption of `data` in place; false (and `data` unspecified) when
    /// the tag does not authenticate it. libcrypto compares the tag in constant time.
    static func openAESGCM(
        key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer,
        data: UnsafeMutableRawBufferPointer, tag: UnsafeRawBufferPointer
    ) -> Bool {
        guard key.count == keySize, nonce.count == nonceSize, tag.count == tagSize, data.count <= Int(Int32.max),
            associatedData.count <= Int(Int32.max), let cipher = aes256gcm, let ctx = EVP_CIPHER_CTX_new()
        else { return false }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var length: Int32 = 0
        guard EVP_DecryptInit_ex(ctx, cipher, nil, key.uint8, nonce.uint8) == 1 else { return false }
        if associatedData.count > 0 {
            guard EVP_DecryptUpdate(ctx, nil, &length, associatedData.uint8, Int32(associatedData.count)) == 1 else { return false }
        }
        if data.count > 0 {
            guard EVP_DecryptUpdate(ctx, data.mutableUInt8, &length, data.mutableUInt8, Int32(data.count)) == 1,
                Int(length) == data.count
            else { return false }
        }
        // The tag is only read by libcrypto; the API takes a non-const pointer.
        guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, Int32(tagSize), UnsafeMutableRawPointer(mutating: tag.baseAddress)) == 1
        else { return false }
        return EVP_DecryptFinal_ex(ctx, data.mutableUInt8.map { $0 + data.count }, &length) == 1
    }

    /// scrypt (RFC 7914) of `passphrase` and `salt` into 32 bytes. N·r·128 bytes of
    /// memory are needed; `maxMemory` bounds what libcrypto may allocate.
    static func scrypt(passphrase: [UInt8], salt: [UInt8], n: UInt64, r: UInt64, p: UInt64, maxMemory: UInt64) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: keySize)
        let ok = passphrase.withUnsafeBufferPointer { pass in
            salt.withUnsafeBufferPointer { salt in
                out.withUnsafeMutableBufferPointer { out in
                    pass.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(pass.count, 1)) { passChars in
                        EVP_PBE_scrypt(passChars, pass.count, salt.baseAddress, salt.count, n, r, p, maxMemory, out.baseAddress, out.count)
                    }
                }
            }
        }
        return ok == 1 ? out : nil
    }
}

extension UnsafeRawBufferPointer {
    fileprivate var uint8: UnsafePointer<UInt8>? { baseAddress?.assumingMemoryBound(to: UInt8.self) }
}

extension UnsafeMutableRawBufferPointer {
    fileprivate var uint8: UnsafePointer<UInt8>? { baseAddress.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) } }
    fileprivate var mutableUInt8: UnsafeMutablePointer<UInt8>? { baseAddress?.assumingMemoryBound(to: UInt8.self) }
}
