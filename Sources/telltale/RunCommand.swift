import ArgumentParser

// Scaffold: replaced by the real command.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run")
    func run() async throws {}
}
