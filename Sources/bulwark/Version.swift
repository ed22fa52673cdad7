import ArgumentParser
import KafkaWire

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version and the Kafka APIs the codec implements.")

    func run() {
        print("bulwark \(BulwarkVersion.current)")
        for key in KafkaApiKey.implemented {
            if let v = key.codecVersions { print("  \(key.name) (\(key.rawValue)): v\(v.lowerBound)-\(v.upperBound)") }
        }
    }
}
