import KafkaWire

/// OffsetFetch: served by the group coordinator.
struct OffsetFetchHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: OffsetFetchRequest, context: RequestContext) async -> OffsetFetchResponse? {
        await state.groups.offsetFetch(request, version: context.apiVersion)
    }
}
