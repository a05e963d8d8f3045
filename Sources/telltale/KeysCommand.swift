import ArgumentParser

// Scaffold: replaced by the real command.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys")
    func run() async throws {}
}
