import EnvelopeCrypto
import Foundation

/// Seals the lines of `offsets.log` (committed offsets, their metadata and group
/// names are client data too) under DEKs of the keyring's `.system("offsets")` scope.
///
/// A sealed line is `S` followed by the base64 of the envelope (key id, nonce,
/// ciphertext, tag) of the plain JSON line. Each store instance takes a new DEK on its
/// first write (so counter nonces never repeat after a restart) and a new one when a
/// DEK has sealed its quota. Lines are bound to this log by their associated data,
/// not to their position: an attacker who can write the file could replay an older
/// sealed line (rolling a commit back), but cannot read or forge one.
public final class OffsetLogSealing {
    let keyring: Keyring
    let maxBatches: UInt64
    /// False: sealed lines are still read, new lines are written plain (encryption off).
    let sealNewLines: Bool
    private var sealer: BatchSealer?
    static let scope = KeyScope.system("offsets")
    static let associatedData = Array("bulwark.offsets.v1".utf8)

    public init(keyring: Keyring, sealNewLines: Bool = true, maxLinesPerKey: UInt64 = 1 << 20) {
        self.keyring = keyring
        self.sealNewLines = sealNewLines
        self.maxBatches = maxLinesPerKey
    }

    func seal(_ line: [UInt8]) throws -> [UInt8] {
        if sealer == nil || sealer!.isRetired { sealer = try keyring.newSealer(for: Self.scope, maxBatches: maxBatches) }
        let envelope = try sealer!.seal(line, associatedData: Self.associatedData)
        return [UInt8(ascii: "S")] + Array(Data(envelope).base64EncodedString().utf8)
    }

    /// The plain line inside a sealed one; throws when it does not authenticate.
    func open(_ line: Data) throws -> Data {
        guard let envelope = Data(base64Encoded: line.dropFirst()), envelope.count >= Envelope.overhead else {
            throw EnvelopeError(.authenticationFailed, "a sealed offsets log line is not base64 of an envelope")
        }
        var bytes = [UInt8](envelope)
        let key = try keyring.dataKey(for: Self.scope, id: bytes.withUnsafeBytes { Envelope.keyId($0)! })
        let opened = bytes.withUnsafeMutableBytes { raw in
            Self.associatedData.withUnsafeBytes { key.open(envelope: raw, associatedData: $0) }
        }
        guard opened else { throw EnvelopeError(.authenticationFailed, "a sealed offsets log line fails authentication") }
        return Data(bytes[Envelope.plaintextRange(bytes.count)])
    }
}
