import CGSSAPI

// The one wrapper around libgssapi_krb5. Everything GSSAPI hands back (names, buffers,
// contexts, credentials) is released here, so callers only see Swift values. These calls
// block (keytab and replay-cache file I/O, crypto): callers keep them off event loops.

/// A failed GSSAPI call, with the text `gss_display_status` gives for its codes.
public struct GssapiError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let major: UInt32
    public let minor: UInt32
    public let message: String

    init(_ operation: String, major: OM_uint32, minor: OM_uint32) {
        self.operation = operation
        self.major = major
        self.minor = minor
        var parts = Gssapi.statusText(major, type: bulwark_gss_c_gss_code())
        if minor != 0 { parts += Gssapi.statusText(minor, type: bulwark_gss_c_mech_code()) }
        message = parts.joined(separator: "; ")
    }

    public var description: String { "\(operation): \(message)" }
}

public enum Gssapi {
    /// The messages for one status code; GSSAPI returns them one call at a time.
    static func statusText(_ code: OM_uint32, type: OM_uint32) -> [String] {
        var out: [String] = []
        var more: OM_uint32 = 0
        // A handful of messages at most; the bound keeps a misbehaving library from looping us.
        for _ in 0..<8 {
            var minor: OM_uint32 = 0
            var buffer = gss_buffer_desc()
            let major = gss_display_status(&minor, code, Int32(bitPattern: type), nil, &more, &buffer)
            if bulwark_gss_error(major) != 0 { break }
            out.append(string(buffer))
            gss_release_buffer(&minor, &buffer)
            if more == 0 { break }
        }
        return out
    }

    static func bytes(_ buffer: gss_buffer_desc) -> [UInt8] {
        guard buffer.length > 0, let value = buffer.value else { return [] }
        return Array(UnsafeRawBufferPointer(start: value, count: buffer.length))
    }

    static func string(_ buffer: gss_buffer_desc) -> String {
        String(decoding: bytes(buffer), as: UTF8.self)
    }

    /// Calls `body` with a GSSAPI buffer that borrows `bytes` for the duration of the call.
    static func withBuffer<R>(_ bytes: [UInt8], _ body: (inout gss_buffer_desc) -> R) -> R {
        bytes.withUnsafeBytes { raw in
            var buffer = gss_buffer_desc(length: raw.count, value: UnsafeMutableRawPointer(mutating: raw.baseAddress))
            return body(&buffer)
        }
    }

    /// The default realm of the krb5 configuration (`KRB5_CONFIG`), or nil when none is set.
    public static func defaultRealm() -> String? {
        var out = [CChar](repeating: 0, count: 256)
        guard bulwark_krb5_default_realm(&out, out.count) == 0 else { return nil }
        let realm = String(decoding: out.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return realm.isEmpty ? nil : realm
    }
}

/// Acceptor credentials: the service principal's keys from a keytab file, acquired once at
/// start so a missing keytab or principal fails start-up, not the first client. Shared by
/// every connection of a listener (MIT locks a credential internally).
public final class GssapiCredential: @unchecked Sendable {
    let handle: gss_cred_id_t
    /// The full service principal, e.g. `kafka/localhost@EXAMPLE.TEST`.
    public let principal: String

    public init(keytab: String, principal: String) throws(GssapiError) {
        var minor: OM_uint32 = 0
        var name: gss_name_t? = nil
        var major = Gssapi.withBuffer(Array(principal.utf8)) { gss_import_name(&minor, &$0, bulwark_gss_nt_krb5_principal(), &name) }
        guard bulwark_gss_error(major) == 0 else { throw GssapiError("gss_import_name(\(principal))", major: major, minor: minor) }
        defer { gss_release_name(&minor, &name) }
        var cred: gss_cred_id_t? = nil
        major = bulwark_gss_acquire_acceptor(&minor, name, keytab, &cred)
        guard bulwark_gss_error(major) == 0, let cred else {
            throw GssapiError("acquiring acceptor credentials for \(principal) from \(keytab)", major: major, minor: minor)
        }
        handle = cred
        self.principal = principal
    }

    deinit {
        var minor: OM_uint32 = 0
        var h: gss_cred_id_t? = handle
        gss_release_cred(&minor, &h)
    }

    /// A fresh security context for one client's authentication.
    public func makeContext() -> GssapiContext { GssapiContext(credential: self) }
}

/// One client's GSSAPI security context on the acceptor side. Used by one connection at a
/// time (its SASL session), never concurrently; deleted when the authentication ends.
public final class GssapiContext: @unchecked Sendable {
    public enum Accepted: Sendable, Equatable {
        /// Send this token and wait for the client's next one.
        case continueNeeded([UInt8])
        /// Established: send `token` if not empty; `client` is the full principal name.
        case complete(token: [UInt8], client: String)
    }

    private let credential: GssapiCredential
    private var handle: gss_ctx_id_t? = nil

    init(credential: GssapiCredential) { self.credential = credential }

    deinit {
        if handle != nil {
            var minor: OM_uint32 = 0
            gss_delete_sec_context(&minor, &handle, nil)
        }
    }

    public func accept(_ token: [UInt8]) throws(GssapiError) -> Accepted {
        var minor: OM_uint32 = 0
        var source: gss_name_t? = nil
        var output = gss_buffer_desc()
        let major = Gssapi.withBuffer(token) { input in
            gss_accept_sec_context(&minor, &handle, credential.handle, &input, nil, &source, nil, &output, nil, nil, nil)
        }
        defer {
            var m: OM_uint32 = 0
            gss_release_buffer(&m, &output)
            if source != nil { gss_release_name(&m, &source) }
        }
        guard bulwark_gss_error(major) == 0 else { throw GssapiError("gss_accept_sec_context", major: major, minor: minor) }
        let reply = Gssapi.bytes(output)
        if bulwark_gss_continue_needed(major) != 0 { return .continueNeeded(reply) }
        var display = gss_buffer_desc()
        let shown = gss_display_name(&minor, source, &display, nil)
        defer { gss_release_buffer(&minor, &display) }
        guard bulwark_gss_error(shown) == 0 else { throw GssapiError("gss_display_name", major: shown, minor: minor) }
        return .complete(token: reply, client: Gssapi.string(display))
    }

    /// An integrity-protected (not encrypted) message, as RFC 4752's layer negotiation uses.
    public func wrap(_ message: [UInt8]) throws(GssapiError) -> [UInt8] {
        var minor: OM_uint32 = 0
        var output = gss_buffer_desc()
        let major = Gssapi.withBuffer(message) { input in
            gss_wrap(&minor, handle, 0, gss_qop_t(GSS_C_QOP_DEFAULT), &input, nil, &output)
        }
        defer { gss_release_buffer(&minor, &output) }
        guard bulwark_gss_error(major) == 0 else { throw GssapiError("gss_wrap", major: major, minor: minor) }
        return Gssapi.bytes(output)
    }

    public func unwrap(_ token: [UInt8]) throws(GssapiError) -> [UInt8] {
        var minor: OM_uint32 = 0
        var output = gss_buffer_desc()
        let major = Gssapi.withBuffer(token) { input in
            gss_unwrap(&minor, handle, &input, &output, nil, nil)
        }
        defer { gss_release_buffer(&minor, &output) }
        guard bulwark_gss_error(major) == 0 else { throw GssapiError("gss_unwrap", major: major, minor: minor) }
        return Gssapi.bytes(output)
    }
}
