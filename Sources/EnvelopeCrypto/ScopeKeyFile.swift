import Foundation

/// The wrapped keys of one scope, as stored in `keys/<kind>-<name>.keys`: one JSON
/// object per line, appended (a new DEK is one line and one fsync) and rewritten
/// whole only by `rotate-kek` and `shred` (atomic replace). Nothing in it is secret:
/// every key is wrapped, and ids and versions are bound into the wrapping.
struct ScopeKeyFile: Sendable, Equatable {
    struct Record: Codable, Sendable, Equatable {
        /// "kek", "dek" or "shredded".
        var t: String
        /// KEK version ("kek": its own; "dek": the one wrapping it).
        var v: UInt32?
        /// DEK id.
        var id: UInt32?
        /// Wrapped key, base64 of nonce ‖ ciphertext ‖ tag.
        var w: String?
        /// When it was written (ms since the epoch), for `status` and shredding.
        var at: Int64?
    }

    var keks: [UInt32: [UInt8]] = [:]
    var deks: [UInt32: (kekVersion: UInt32, wrapped: [UInt8])] = [:]
    var shreddedAt: Int64?

    static func == (a: ScopeKeyFile, b: ScopeKeyFile) -> Bool {
        a.keks == b.keks && a.shreddedAt == b.shreddedAt && a.deks.mapValues { "\($0.kekVersion):\($0.wrapped)" } == b.deks.mapValues { "\($0.kekVersion):\($0.wrapped)" }
    }

    var currentKEKVersion: UInt32? { keks.keys.max() }
    var nextDEKId: UInt32 { (deks.keys.max() ?? 0) + 1 }

    mutating func apply(_ record: Record) throws(EnvelopeError) {
        switch record.t {
        case "kek":
            guard let v = record.v, let w = record.w, let bytes = Data(base64Encoded: w) else { throw Self.bad("kek") }
            keks[v] = Array(bytes)
        case "dek":
            guard let v = record.v, let id = record.id, let w = record.w, let bytes = Data(base64Encoded: w) else { throw Self.bad("dek") }
            deks[id] = (v, Array(bytes))
        case "shredded":
            keks = [:]
            deks = [:]
            shreddedAt = record.at ?? 0
        default:
            throw Self.bad(record.t)
        }
    }

    private static func bad(_ kind: String) -> EnvelopeError {
        EnvelopeError(.keyStore, "malformed \(kind) record in a key file")
    }

    /// Parses a file's bytes. A last line without its newline is a torn append (the
    /// DEK it held was never used: a DEK is used only after its line is fsynced) and
    /// is ignored; `validLength` says where the good part ends. Any other bad line is
    /// corruption.
    static func parse(_ bytes: [UInt8]) throws(EnvelopeError) -> (file: ScopeKeyFile, validLength: Int) {
        var file = ScopeKeyFile()
        var start = 0
        let decoder = JSONDecoder()
        while start < bytes.count {
            guard let newline = bytes[start...].firstIndex(of: 0x0A) else { break }
            let line = bytes[start..<newline]
            if !line.isEmpty {
                guard let record = try? decoder.decode(Record.self, from: Data(line)) else {
                    throw EnvelopeError(.keyStore, "unreadable line at byte \(start) of a key file")
                }
                try file.apply(record)
            }
            start = newline + 1
        }
        return (file, start)
    }

    static func line(_ record: Record) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding these plain fields cannot fail.
        return Array((try? encoder.encode(record)) ?? Data()) + [0x0A]
    }

    /// The whole file as lines, for an atomic rewrite.
    func serialized() -> [UInt8] {
        if let shreddedAt { return Self.line(Record(t: "shredded", at: shreddedAt)) }
        var out: [UInt8] = []
        for (v, w) in keks.sorted(by: { $0.key < $1.key }) {
            out += Self.line(Record(t: "kek", v: v, w: Data(w).base64EncodedString()))
        }
        for (id, dek) in deks.sorted(by: { $0.key < $1.key }) {
            out += Self.line(Record(t: "dek", v: dek.kekVersion, id: id, w: Data(dek.wrapped).base64EncodedString()))
        }
        return out
    }
}
