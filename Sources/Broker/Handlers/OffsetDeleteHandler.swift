import KafkaWire

/// OffsetDelete: served by the group coordinator.
struct OffsetDeleteHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: OffsetDeleteRequest, context: RequestContext) async -> OffsetDeleteResponse? {
        await state.groups.offsetDelete(request, version: context.apiVersion)
    }
}
