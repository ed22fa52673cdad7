import KafkaWire

/// What a handler knows about the request besides its body.
public struct RequestContext: Sendable {
    public var connectionId: UInt64
    public var clientId: String?
    public var clientAddress: String
    public var listener: String
    public var apiKey: KafkaApiKey
    public var apiVersion: Int16
    public var correlationId: Int32
    /// Who is asking: `User:<name>` after SASL or from a client certificate, else `User:ANONYMOUS`.
    public var principal: String = "User:ANONYMOUS"
    /// Decides the checks a handler needs (see `RequestContext.authorize`).
    let authorizer: BrokerAuthorizer
    /// Where this request's audit events go, and the tickets the answer waits for.
    let audit: BrokerAudit
    let auditTrail = AuditTrail()
    /// How long the connection stops reading after this answer (client quotas).
    let throttle = ThrottleSlot()
}
