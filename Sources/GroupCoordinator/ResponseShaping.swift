import KafkaWire

// The state machine builds responses with every field; these drop what a request's
// version cannot carry, because the generated encoders reject fields outside their version.

extension JoinGroupResponse {
    func shaped(for version: Int16) -> JoinGroupResponse {
        var response = self
        if version < 7 {
            response.protocolType = nil
            // Nullable only from v7; older clients expect "" when there is no protocol.
            if response.protocolName == nil {
                response.protocolName = ""
            }
        }
        return response
    }
}

extension SyncGroupResponse {
    func shaped(for version: Int16) -> SyncGroupResponse {
        var response = self
        if version < 5 {
            response.protocolType = nil
            response.protocolName = nil
        }
        return response
    }
}
