/// The answer to one `AccessRequest`: the effect, who decided it and why. It goes to the
/// audit log as is.
public struct Decision: Hashable, Sendable {
    public var isAllowed: Bool
    /// Whether the access should be audited (the deciding policy's `isAuditEnabled`, or
    /// the snapshot's audit mode).
    public var isAudited: Bool
    /// The deciding policy's id; nil for a super user or the default deny.
    public var policyId: Int64?
    /// The deciding policy's own `version` field, when it has one.
    public var policyVersion: Int64?
    /// Where the deciding policy came from: its file name, or `"kafka-acls"`.
    public var policySource: String?
    /// The snapshot version the decision was made against.
    public var snapshotVersion: Int64
    /// The security zone whose policies decided, if any.
    public var zone: String?
    /// A sentence for people: `"denied by policy 7 (deny-item 0): deny interns consume"`.
    public var reason: String
    /// Row-filter requests: the filter expression to apply.
    public var filterExpr: String?
    /// Data-mask requests: the mask type, its condition and the custom value.
    public var maskType: String?
    public var maskCondition: String?
    public var maskedValue: String?

    public init(isAllowed: Bool, isAudited: Bool, policyId: Int64? = nil, policyVersion: Int64? = nil,
                policySource: String? = nil, snapshotVersion: Int64, zone: String? = nil, reason: String,
                filterExpr: String? = nil, maskType: String? = nil, maskCondition: String? = nil, maskedValue: String? = nil) {
        self.isAllowed = isAllowed
        self.isAudited = isAudited
        self.policyId = policyId
        self.policyVersion = policyVersion
        self.policySource = policySource
        self.snapshotVersion = snapshotVersion
        self.zone = zone
        self.reason = reason
        self.filterExpr = filterExpr
        self.maskType = maskType
        self.maskCondition = maskCondition
        self.maskedValue = maskedValue
    }
}
