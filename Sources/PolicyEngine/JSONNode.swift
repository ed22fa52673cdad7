import Foundation

/// A value from `JSONSerialization` with the path that led to it, so every complaint
/// about hostile or mistaken input can say exactly where it is.
struct JSONNode {
    let value: Any
    let path: String
    let file: String

    /// Parses a whole document; bad JSON becomes a `PolicyLoadError`, never a crash.
    static func parse(_ data: Data, file: String) throws(PolicyLoadError) -> JSONNode {
        do {
            let value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return JSONNode(value: value, path: "$", file: file)
        } catch {
            throw PolicyLoadError(file: file, path: "$", message: "not valid JSON (\((error as NSError).localizedDescription))")
        }
    }

    func error(_ message: String) -> PolicyLoadError {
        PolicyLoadError(file: file, path: path, message: message)
    }

    var isNull: Bool { value is NSNull }

    func object() throws(PolicyLoadError) -> [String: Any] {
        guard let object = value as? [String: Any] else { throw error("expected an object, found \(kind)") }
        return object
    }

    /// A member, or nil when it is missing or JSON null.
    subscript(key: String) -> JSONNode? {
        guard let object = value as? [String: Any], let member = object[key], !(member is NSNull) else { return nil }
        return JSONNode(value: member, path: path == "$" ? key : "\(path).\(key)", file: file)
    }

    func has(_ key: String) -> Bool { self[key] != nil }

    func array() throws(PolicyLoadError) -> [JSONNode] {
        guard let array = value as? [Any] else { throw error("expected an array, found \(kind)") }
        return array.enumerated().map { JSONNode(value: $0.element, path: "\(path)[\($0.offset)]", file: file) }
    }

    func string() throws(PolicyLoadError) -> String {
        guard let string = value as? String else { throw error("expected a string, found \(kind)") }
        return string
    }

    func int() throws(PolicyLoadError) -> Int64 {
        if let string = value as? String, let number = Int64(string) { return number }  // Ranger exports ids as numbers; be kind to quoted ones
        guard let number = value as? NSNumber, !isBoolean(number) else { throw error("expected an integer, found \(kind)") }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 9.0e15 else { throw error("expected an integer, found \(number)") }
        return number.int64Value
    }

    func bool() throws(PolicyLoadError) -> Bool {
        if let number = value as? NSNumber, isBoolean(number) { return number.boolValue }
        if let string = value as? String, string == "true" || string == "false" { return string == "true" }
        throw error("expected true or false, found \(kind)")
    }

    func stringArray() throws(PolicyLoadError) -> [String] {
        var out: [String] = []
        for element in try array() { out.append(try element.string()) }
        return out
    }

    // Optional members: missing or null gives the default; a wrong type is an error.
    func string(_ key: String) throws(PolicyLoadError) -> String? { try self[key]?.string() }
    func int(_ key: String) throws(PolicyLoadError) -> Int64? { try self[key]?.int() }
    func bool(_ key: String, default fallback: Bool) throws(PolicyLoadError) -> Bool { try self[key]?.bool() ?? fallback }
    func array(_ key: String) throws(PolicyLoadError) -> [JSONNode] { try self[key]?.array() ?? [] }
    func strings(_ key: String) throws(PolicyLoadError) -> [String] { try self[key]?.stringArray() ?? [] }

    func required(_ key: String) throws(PolicyLoadError) -> JSONNode {
        guard let member = self[key] else { throw error("missing \"\(key)\"") }
        return member
    }

    private func isBoolean(_ number: NSNumber) -> Bool {
        // JSONSerialization gives booleans as NSNumber of type char on every platform.
        String(cString: number.objCType) == "c"
    }

    private var kind: String {
        switch value {
        case is NSNull: return "null"
        case is String: return "a string"
        case let number as NSNumber: return isBoolean(number) ? "a boolean" : "a number"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        default: return "\(type(of: value))"
        }
    }
}
