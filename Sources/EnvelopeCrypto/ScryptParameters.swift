import Crypto
import Foundation

/// scrypt's salt and cost, stored beside the wrapped keys (not secret).
struct ScryptParameters: Codable, Equatable {
    var kdf = "scrypt"
    var n: UInt64 = 1 << 15
    var r: UInt64 = 8
    var p: UInt64 = 1
    var saltBase64: String

    var salt: [UInt8] { Array(Data(base64Encoded: saltBase64) ?? Data()) }

    /// Bounds on what a stored file may ask for, so a tampered file cannot make
    /// start-up allocate gigabytes or spin for hours.
    var isSane: Bool {
        kdf == "scrypt" && n >= 1 << 14 && n <= 1 << 20 && n & (n - 1) == 0 && r >= 1 && r <= 32 && p >= 1 && p <= 4
            && salt.count >= 16
    }

    static func loadOrCreate(_ path: String) throws(EnvelopeError) -> ScryptParameters {
        if let bytes = try KeyFileIO.read(path, limit: 4096) {
            guard let parameters = try? JSONDecoder().decode(ScryptParameters.self, from: Data(bytes)), parameters.isSane else {
                throw EnvelopeError(.masterKeyUnavailable, "\(path) does not hold valid scrypt parameters")
            }
            return parameters
        }
        let salt = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let parameters = ScryptParameters(saltBase64: salt.base64EncodedString())
        let encoded = (try? JSONEncoder().encode(parameters)) ?? Data()
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        try KeyFileIO.makeDirectory(directory.isEmpty ? "." : directory)
        try KeyFileIO.replace(path, with: Array(encoded), directory: directory.isEmpty ? "." : directory)
        return parameters
    }
}
