/// What is in an audit directory: segments by first sequence number, the signed marks.
public enum AuditLogDirectory {
    /// First sequence numbers of the segment files, oldest first.
    static func segments(in directory: String) throws(AuditLogError) -> [UInt64] {
        try AuditFileIO.listDirectory(directory).compactMap(AuditSegmentHeader.sequence(fromFileName:)).sorted()
    }

    static func mark(_ role: AuditSignedMark.Role, in directory: String) throws(AuditLogError) -> AuditSignedMark? {
        let file = directory + "/" + (role == .head ? "HEAD" : "ANCHOR")
        guard AuditFileIO.exists(file) else { return nil }
        return try AuditSignedMark.decode(try AuditFileIO.readAll(file, limit: 4096), role: role)
    }

    static func segmentPath(_ directory: String, _ first: UInt64) -> String {
        directory + "/" + AuditSegmentHeader.fileName(firstSequence: first)
    }

    /// The audit directory for a broker data directory (`log.dirs`' first entry).
    public static func defaultDirectory(dataDirectory: String) -> String { dataDirectory + "/audit" }
}
