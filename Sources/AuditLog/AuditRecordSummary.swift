import Crypto
import EnvelopeCrypto
import Foundation

/// What record-level rules did to the records of one partition in one request: how many
/// were returned (or accepted), dropped by a row filter, and had fields masked, and under
/// which policy. The record-level code builds one per partition it touched and records it
/// with `AuditEvent(recordSummary:...)` (in the broker: `RequestContext.auditRecordSummary`).
///
/// Stored as a `recordSummary` event: resource `topic:<topic>`, access `read`/`write`, the
/// deciding policy and version, `reason` in words, and `after` a JSON object
/// `{"partition":0,"returned":10,"filtered":3,"masked":2,"maskedFields":["ssn"]}` for
/// machines. Record summaries are never merged with each other: each already counts.
public struct AuditRecordSummary: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    /// `read` (Fetch) or `write` (Produce).
    public var access: String
    public var policyId: String
    public var policyVersion: Int64
    /// Records handed to the client (Fetch) or accepted (Produce).
    public var returned: Int
    /// Records a row filter removed (or refused, on Produce).
    public var filtered: Int
    /// Records among `returned` with at least one masked field.
    public var masked: Int
    /// The fields masked, by name (each once).
    public var maskedFields: [String]

    public init(topic: String, partition: Int32, access: String, policyId: String = "", policyVersion: Int64 = 0,
                returned: Int, filtered: Int, masked: Int, maskedFields: [String] = []) {
        self.topic = topic
        self.partition = partition
        self.access = access
        self.policyId = policyId
        self.policyVersion = policyVersion
        self.returned = returned
        self.filtered = filtered
        self.masked = masked
        self.maskedFields = maskedFields
    }

    /// The machine-readable form kept in the event's `after`.
    public var json: String {
        var o = AuditJSONObject()
        o.int("partition", Int(partition))
        o.int("returned", returned)
        o.int("filtered", filtered)
        o.int("masked", masked)
        if !maskedFields.isEmpty { o.raw("maskedFields", AuditJSONObject.array(maskedFields.map(AuditJSONObject.quoted))) }
        return o.finished
    }

    public var description: String {
        "partition \(partition): \(returned) record(s) \(access == "write" ? "accepted" : "returned"), \(filtered) filtered, \(masked) masked"
            + (maskedFields.isEmpty ? "" : " (\(maskedFields.joined(separator: ", ")))")
    }
}

extension AuditEvent {
    /// A `recordSummary` event for `summary`; the caller fills in who and which request
    /// (principal, client address, connection, API) as for any event.
    public init(recordSummary summary: AuditRecordSummary, time: Int64) {
        self.init(kind: .recordSummary, time: time, resourceType: "topic", resourceName: summary.topic,
                  access: summary.access, policyId: summary.policyId, policyVersion: summary.policyVersion,
                  action: "record-summary", reason: summary.description, after: summary.json)
    }
}

/// The SHA-256 of a document as hex, for admin events whose before/after is a file too large
/// to copy into the log (policy files): the digest names the exact version.
public enum AuditDigest {
    public static func sha256Hex<D: DataProtocol>(_ data: D) -> String {
        Hex.encode(SHA256.hash(data: data))
    }
}
