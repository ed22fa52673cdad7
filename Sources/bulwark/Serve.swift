import ArgumentParser

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the broker.")

    @Option(name: .long, help: "A server.properties file (Kafka's key names).")
    var config: String?

    func run() throws {
        // The broker core is its own issue; until it lands, serve says what it is and
        // that nothing listens, so nobody mistakes it for a running broker.
        print("bulwark \(BulwarkVersion.current)")
        print("the broker core is not built yet: nothing is listening")
    }
}
