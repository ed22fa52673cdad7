/// A caller suspended on a long-polling request, and the version to shape its answer for.
struct PendingResponse<Response: Sendable>: Sendable {
    var continuation: CheckedContinuation<Response, Never>
    var version: Int16
}
