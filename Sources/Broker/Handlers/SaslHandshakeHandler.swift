import KafkaWire

/// SaslHandshake outside an authentication (a PLAINTEXT or SSL listener, or after success):
/// ILLEGAL_SASL_STATE, as Kafka answers. During authentication `ConnectionAuthenticator`
/// answers it instead.
struct SaslHandshakeHandler: ApiHandler {
    func handle(_ request: SaslHandshakeRequest, context: RequestContext) async -> SaslHandshakeResponse? {
        SaslHandshakeResponse(errorCode: KafkaErrorCode.illegalSaslState.rawValue)
    }
}
