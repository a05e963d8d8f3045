import ArgumentParser

/// The `telltale` command line.
@main
struct Telltale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telltale",
        abstract: "Observability for MCP servers: capture calls, store them, query them.",
        subcommands: [ServeCommand.self, RunCommand.self, ProxyCommand.self, KeysCommand.self, ExampleServerCommand.self]
    )
}
