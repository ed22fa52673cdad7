/// One assignment protocol a member supports (e.g. "range"), with its opaque metadata.
struct MemberProtocol: Hashable, Sendable {
    var name: String
    var metadata: [UInt8]
}
