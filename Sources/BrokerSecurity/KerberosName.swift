/// A Kerberos principal split Kafka's way (`KerberosName.parse`): `service[/host]@REALM`,
/// or a bare name without a realm. A name with `@` that does not fit is malformed.
public struct KerberosName: Sendable, Equatable, CustomStringConvertible {
    public var serviceName: String
    public var hostName: String?
    public var realm: String?

    public init(serviceName: String, hostName: String? = nil, realm: String? = nil) {
        self.serviceName = serviceName
        self.hostName = hostName
        self.realm = realm
    }

    public init(parsing text: String) throws(SecurityError) {
        guard text.contains("@") else {
            // Kafka keeps a name without a realm whole, even when it contains '/'.
            self.init(serviceName: text)
            return
        }
        // ([^/@]*)(/([^/@]*))?@([^/@]*) over the whole text.
        let at = text.split(separator: "@", omittingEmptySubsequences: false)
        guard at.count == 2, !at[1].contains("/") else { throw SecurityError(.invalidArgument, "Malformed Kerberos name: \(text)") }
        let slash = at[0].split(separator: "/", omittingEmptySubsequences: false)
        guard slash.count <= 2 else { throw SecurityError(.invalidArgument, "Malformed Kerberos name: \(text)") }
        self.init(serviceName: String(slash[0]), hostName: slash.count == 2 ? String(slash[1]) : nil, realm: String(at[1]))
    }

    public var description: String {
        serviceName + (hostName.map { "/" + $0 } ?? "") + (realm.map { "@" + $0 } ?? "")
    }
}
