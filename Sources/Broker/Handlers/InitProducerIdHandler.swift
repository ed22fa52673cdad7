import KafkaWire

/// InitProducerId for idempotent producers: a fresh producer id with epoch 0.
/// Transactional ids are refused: transactions are not offered (and not advertised).
struct InitProducerIdHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: InitProducerIdRequest, context: RequestContext) async -> InitProducerIdResponse? {
        if let transactionalId = request.transactionalId {
            guard context.isAllowed(.write, .transactionalId, transactionalId) else {
                return InitProducerIdResponse(errorCode: KafkaErrorCode.transactionalIdAuthorizationFailed.rawValue,
                                              producerId: -1, producerEpoch: -1)
            }
            return InitProducerIdResponse(errorCode: KafkaErrorCode.coordinatorNotAvailable.rawValue, producerId: -1, producerEpoch: -1)
        }
        // IDEMPOTENT_WRITE on the cluster; the engine also grants it to anyone who may
        // write to some topic (KIP-679).
        guard context.isAllowed(cluster: .idempotentWrite) else {
            return InitProducerIdResponse(errorCode: KafkaErrorCode.clusterAuthorizationFailed.rawValue, producerId: -1, producerEpoch: -1)
        }
        do {
            return InitProducerIdResponse(producerId: try state.producerIds.next(), producerEpoch: 0)
        } catch {
            state.logger.error("could not persist producer id block", metadata: ["error": "\(error)"])
            return InitProducerIdResponse(errorCode: KafkaErrorCode.kafkaStorageError.rawValue, producerId: -1, producerEpoch: -1)
        }
    }
}
