/// The subject of an X.509 certificate as an RFC 2253 string, the form Java's
/// `X500Principal.getName()` gives and Kafka's `ssl.principal.mapping.rules` see:
/// last RDN first, `CN=client,OU=eng,O=Example`. A small DER reader; hostile input gives nil.
public enum CertificateSubject {
    public static func distinguishedName(der: [UInt8]) -> String? {
        var r = DERReader(der[...])
        guard let cert = r.read(tag: 0x30) else { return nil }
        var c = DERReader(cert)
        guard let tbs = c.read(tag: 0x30) else { return nil }
        var t = DERReader(tbs)
        if t.peekTag == 0xA0 { guard t.read(tag: 0xA0) != nil else { return nil } }  // version
        guard t.read(tag: 0x02) != nil,  // serial
              t.read(tag: 0x30) != nil,  // signature algorithm
              t.read(tag: 0x30) != nil,  // issuer
              t.read(tag: 0x30) != nil,  // validity
              let subject = t.read(tag: 0x30) else { return nil }
        return name(subject)
    }

    static func name(_ bytes: ArraySlice<UInt8>) -> String? {
        var rdns: [String] = []
        var n = DERReader(bytes)
        while !n.isAtEnd {
            guard let set = n.read(tag: 0x31) else { return nil }
            var s = DERReader(set)
            var parts: [String] = []
            while !s.isAtEnd {
                guard let atv = s.read(tag: 0x30) else { return nil }
                var a = DERReader(atv)
                guard let oid = a.read(tag: 0x06), let (valueTag, value, whole) = a.readAny() else { return nil }
                let type = oidString(oid)
                if let keyword = keywords[type], let text = decodeString(tag: valueTag, value) {
                    parts.append("\(keyword)=\(escape(text))")
                } else {
                    parts.append("\(type)=#\(whole.map { hex($0) }.joined())")
                }
            }
            rdns.append(parts.joined(separator: "+"))
        }
        return rdns.reversed().joined(separator: ",")
    }

    static let keywords: [String: String] = [
        "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU",
        "2.5.4.9": "STREET", "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID",
    ]

    static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }

    static func oidString(_ bytes: ArraySlice<UInt8>) -> String {
        guard let first = bytes.first else { return "" }
        var arcs = [String(first / 40), String(first % 40)]
        var value: UInt64 = 0
        for b in bytes.dropFirst() {
            guard value < (1 << 56) else { return "0" }
            value = value << 7 | UInt64(b & 0x7f)
            if b & 0x80 == 0 {
                arcs.append(String(value))
                value = 0
            }
        }
        return arcs.joined(separator: ".")
    }

    static func decodeString(tag: UInt8, _ bytes: ArraySlice<UInt8>) -> String? {
        switch tag {
        case 0x0C, 0x13, 0x16: return String(validating: bytes, as: UTF8.self)
        case 0x14: return String(bytes.map { Character(Unicode.Scalar($0)) })  // Teletex, as Latin-1
        default: return nil
        }
    }

    /// RFC 2253 §2.4.
    static func escape(_ s: String) -> String {
        var out = ""
        let chars = Array(s)
        for (i, ch) in chars.enumerated() {
            if ",+\"\\<>;".contains(ch) || (i == 0 && (ch == "#" || ch == " ")) || (i == chars.count - 1 && ch == " ") {
                out.append("\\")
            }
            out.append(ch)
        }
        return out
    }
}

/// Reads DER tag-length-value items, refusing lengths past the end.
struct DERReader {
    private var bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    var isAtEnd: Bool { bytes.isEmpty }
    var peekTag: UInt8? { bytes.first }

    mutating func read(tag: UInt8) -> ArraySlice<UInt8>? {
        guard peekTag == tag, let (_, value, _) = readAny() else { return nil }
        return value
    }

    /// (tag, contents, the whole encoding)
    mutating func readAny() -> (UInt8, ArraySlice<UInt8>, ArraySlice<UInt8>)? {
        var i = bytes.startIndex
        guard i < bytes.endIndex else { return nil }
        let tag = bytes[i]
        guard tag & 0x1f != 0x1f else { return nil }  // multi-byte tags do not occur here
        i += 1
        guard i < bytes.endIndex else { return nil }
        var length = Int(bytes[i])
        i += 1
        if length & 0x80 != 0 {
            let n = length & 0x7f
            guard n >= 1, n <= 4, bytes.endIndex - i >= n else { return nil }
            length = 0
            for _ in 0..<n {
                length = length << 8 | Int(bytes[i])
                i += 1
            }
        }
        guard length >= 0, bytes.endIndex - i >= length else { return nil }
        let value = bytes[i..<(i + length)]
        let whole = bytes[bytes.startIndex..<(i + length)]
        bytes = bytes[(i + length)...]
        return (tag, value, whole)
    }
}
