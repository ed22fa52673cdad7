/// SASL GSSAPI (RFC 4752) on the server: Kerberos context tokens until the context is
/// established, then the security-layer step, in which Bulwark offers and accepts only
/// "no security layer" (Kafka protects traffic with TLS, not with GSSAPI wrapping).
///
/// Flow: AP-REQ → AP-REP (the client answers it with an empty token) → wrapped layer
/// offer → the client's wrapped choice → success as the short name of the client principal.
public struct GssapiServer: SaslMechanism {
    enum Phase: Sendable {
        case accepting
        /// The last context token went out; the client answers with an empty token.
        case awaitingEmpty
        /// The layer offer went out; the client answers with its wrapped choice.
        case awaitingLayer
        case done
    }

    /// RFC 4752's layer bit for "no security layer".
    static let noSecurityLayer: UInt8 = 0x01

    private let context: GssapiContext
    private let shortNamer: KerberosShortNamer
    private var phase = Phase.accepting
    private var client: String?
    /// Context tokens before giving up; Kerberos needs one (two with user-to-user).
    private var rounds = 0
    static let maxRounds = 4

    public var name: String { "GSSAPI" }

    public init(credential: GssapiCredential, shortNamer: KerberosShortNamer) {
        context = credential.makeContext()
        self.shortNamer = shortNamer
    }

    public mutating func step(_ token: [UInt8]) -> SaslStep {
        do {
            switch phase {
            case .accepting:
                rounds += 1
                guard rounds <= Self.maxRounds else { return fail("too many GSSAPI context tokens") }
                switch try context.accept(token) {
                case .continueNeeded(let reply):
                    return .challenge(reply)
                case .complete(let reply, let principal):
                    client = principal
                    if reply.isEmpty { return try offerLayer() }
                    phase = .awaitingEmpty
                    return .challenge(reply)
                }
            case .awaitingEmpty:
                guard token.isEmpty else { return fail("expected an empty token after the context was established") }
                return try offerLayer()
            case .awaitingLayer:
                let reply = try context.unwrap(token)
                // [layer][max size, 3 bytes][authzid...]; the authzid is ignored, as Kafka does.
                guard reply.count >= 4 else { return fail("security layer reply shorter than 4 bytes") }
                guard reply[0] == Self.noSecurityLayer else {
                    return fail("client chose security layer 0x\(String(reply[0], radix: 16)), only 0x01 is offered")
                }
                phase = .done
                guard let client else { return fail("no client principal") }
                do {
                    let short = try shortNamer.shortName(KerberosName(parsing: client))
                    return .success(user: short, response: [])
                } catch {
                    return fail("principal \(client): \(error)")
                }
            case .done:
                return fail("token after the exchange finished")
            }
        } catch {
            return fail("\(error)")
        }
    }

    private mutating func offerLayer() throws(GssapiError) -> SaslStep {
        phase = .awaitingLayer
        // Maximum message size 0: no layer means no wrapped messages after authentication.
        return .challenge(try context.wrap([Self.noSecurityLayer, 0, 0, 0]))
    }

    private mutating func fail(_ reason: String) -> SaslStep {
        phase = .done
        return .failure(reason: reason)
    }
}
