/// Who a key-encryption key belongs to. Every topic has its own KEK today; tenants
/// get theirs when tenancy lands, and the broker's own data (consumer offsets, audit)
/// uses `.system(name)`. Shredding a scope destroys its KEK and with it every DEK below.
public enum KeyScope: Hashable, Sendable, CustomStringConvertible {
    case topic(String)
    case tenant(String)
    case system(String)

    public var description: String {
        switch self {
        case .topic(let name): "topic:\(name)"
        case .tenant(let id): "tenant:\(id)"
        case .system(let name): "system:\(name)"
        }
    }

    /// The key-store file of this scope. Names are limited to characters that are
    /// safe in a file name (Kafka's topic alphabet), so no name can reach another file.
    var fileName: String? {
        let (kind, name): (String, String) =
            switch self {
            case .topic(let name): ("topic", name)
            case .tenant(let id): ("tenant", id)
            case .system(let name): ("system", name)
            }
        guard Self.isSafeName(name) else { return nil }
        return "\(kind)-\(name).keys"
    }

    /// The inverse of `fileName`, for listing a key directory.
    init?(fileName: String) {
        guard fileName.hasSuffix(".keys") else { return nil }
        let stem = fileName.dropLast(5)
        guard let dash = stem.firstIndex(of: "-") else { return nil }
        let name = String(stem[stem.index(after: dash)...])
        guard Self.isSafeName(name) else { return nil }
        switch stem[..<dash] {
        case "topic": self = .topic(name)
        case "tenant": self = .tenant(name)
        case "system": self = .system(name)
        default: return nil
        }
    }

    static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 249 && name != "." && name != ".."
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2E || byte == 0x5F || byte == 0x2D
            }
    }
}
