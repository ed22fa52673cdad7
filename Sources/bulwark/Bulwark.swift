import ArgumentParser
import KafkaWire

/// The one Bulwark executable; each capability is a subcommand.
@main
struct Bulwark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulwark",
        abstract: "A Kafka-wire-compatible broker for people who must prove who touched which data.",
        version: BulwarkVersion.current,
        subcommands: [Serve.self, DoctorCommand.self, Users.self, AuditCommand.self, PolicyCommand.self, KeysCommand.self, Version.self]
    )
}
