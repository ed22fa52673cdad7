/// The fields a filter or the index looks at, read in place from an event body without
/// building Strings: the fast path of a scan. Valid only while the scanned bytes are.
struct AuditRawEvent {
    var sequence: UInt64
    var time: Int64
    var lastTime: Int64
    var kind: UInt8
    var result: UInt8
    var principal: UnsafeRawBufferPointer
    var resourceType: UnsafeRawBufferPointer
    var resourceName: UnsafeRawBufferPointer
    var tenant: UnsafeRawBufferPointer
    var access: UnsafeRawBufferPointer
    var apiName: UnsafeRawBufferPointer
    var policyId: UnsafeRawBufferPointer
    var clientAddress: UnsafeRawBufferPointer

    /// nil for a checkpoint body; throws for a body that does not parse.
    static func parse(_ body: UnsafeRawBufferPointer) throws(AuditLogError) -> AuditRawEvent? {
        var r = ByteReader(body, from: 0, to: body.count)
        let type = try r.read(UInt8.self)
        if type == AuditRecordCodec.checkpointType { return nil }
        guard type == AuditRecordCodec.eventType else { throw AuditLogError(.corrupt, "unknown record type \(type)") }
        let seq = try r.read(UInt64.self)
        let time = try r.read(Int64.self)
        let lastTime = try r.read(Int64.self)
        _ = try r.read(UInt32.self)
        let kind = try r.read(UInt8.self)
        let result = try r.read(UInt8.self)
        r.offset = AuditRecordCodec.eventFixedSize
        guard r.offset <= r.end else { throw AuditLogError(.corrupt, "event record too short") }
        let principal = try r.readStringBytes()
        let resourceType = try r.readStringBytes()
        let resourceName = try r.readStringBytes()
        let tenant = try r.readStringBytes()
        let access = try r.readStringBytes()
        let apiName = try r.readStringBytes()
        let policyId = try r.readStringBytes()
        _ = try r.readStringBytes()  // reason
        let clientAddress = try r.readStringBytes()
        return AuditRawEvent(
            sequence: seq, time: time, lastTime: lastTime, kind: kind, result: result, principal: principal,
            resourceType: resourceType, resourceName: resourceName, tenant: tenant, access: access, apiName: apiName,
            policyId: policyId, clientAddress: clientAddress)
    }
}

extension UnsafeRawBufferPointer {
    /// Byte equality with a UTF-8 array, the filters' comparison.
    @inline(__always) func equals(_ bytes: [UInt8]) -> Bool {
        guard count == bytes.count else { return false }
        return bytes.withUnsafeBytes { b in count == 0 || memcmp(baseAddress!, b.baseAddress!, count) == 0 }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
