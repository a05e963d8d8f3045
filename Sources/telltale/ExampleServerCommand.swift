import ArgumentParser

// Scaffold: replaced by the real command.
struct ExampleServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "example-server")
    func run() async throws {}
}
