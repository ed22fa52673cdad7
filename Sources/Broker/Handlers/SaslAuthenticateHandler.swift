import KafkaWire

/// SaslAuthenticate outside an authentication: ILLEGAL_SASL_STATE (re-authentication,
/// KIP-368, is not offered yet).
struct SaslAuthenticateHandler: ApiHandler {
    func handle(_ request: SaslAuthenticateRequest, context: RequestContext) async -> SaslAuthenticateResponse? {
        SaslAuthenticateResponse(errorCode: KafkaErrorCode.illegalSaslState.rawValue,
                                 errorMessage: "SaslAuthenticate request received outside a SASL authentication")
    }
}
