#if canImport(Glibc)
import Glibc
#endif

/// A listener's SASL/GSSAPI settings: whose keys the broker accepts tickets for, and how
/// client principals become user names.
public struct GssapiSettings: Sendable {
    /// The keytab file holding `principal`'s keys.
    public var keyTab: String
    /// The broker's full service principal, e.g. `kafka/broker1.example.com@EXAMPLE.COM`.
    public var principal: String
    /// `sasl.kerberos.service.name`: the first component clients ask tickets for.
    public var serviceName: String
    /// `sasl.kerberos.principal.to.local.rules`.
    public var shortNamer: KerberosShortNamer

    public init(keyTab: String, principal: String, serviceName: String, shortNamer: KerberosShortNamer) {
        self.keyTab = keyTab
        self.principal = principal
        self.serviceName = serviceName
        self.shortNamer = shortNamer
    }

    /// True when the keytab is a readable file now (checked at start-up, so a wrong path
    /// fails there and not at the first client).
    public static func isReadableFile(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, R_OK) == 0
    }
}
