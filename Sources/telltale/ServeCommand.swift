import ArgumentParser

// Scaffold: replaced by the real command.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve")
    func run() async throws {}
}
