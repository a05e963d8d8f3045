import ArgumentParser
import Foundation
import Hummingbird
import TelltaleServer
import TelltaleStore

/// `telltale serve`: the collector and query API on the embedded SQLite store.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Telltale server: ingest from `telltale run`, store in SQLite, serve the query API.",
        discussion: """
            On first start (no API key yet) it creates an ingest key and a read key and prints them once.
            Stops gracefully on SIGINT or SIGTERM.
            """
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 7340

    @Option(help: "Data directory (the SQLite database lives here).")
    var data = DataDirectory.defaultPath

    @Flag(help: "Also run live demo traffic: simulated MCP clients through `telltale run` around the example server.")
    var demo = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
    }

    func run() async throws {
        let directory = DataDirectory.url(data)
        let store = try SQLiteCallStore(directory: directory)
        let keys = try await StartupKeys.prepare(store: store, demo: demo)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let host = host
        let app = TelltaleServer.buildApplication(
            store: store,
            configuration: ServerConfiguration(host: host, port: port),
            onServerRunning: { port in
                let url = Self.url(host: host, port: port)
                FileHandle.standardOutput.write(Data(keys.banner(url: url, dataDirectory: directory.path).utf8))
                portContinuation.yield(port)
                portContinuation.finish()
            }
        )
        guard demo, let demoKey = keys.demo else {
            try await app.runService()
            return
        }
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await app.runService()
                return true
            }
            group.addTask {
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next(), let endpoint = URL(string: Self.url(host: host, port: port))
                else { return false }
                await DemoTraffic(telltaleExecutable: executable, endpoint: endpoint, ingestKey: demoKey.plaintext).run()
                return false
            }
            // The server ends on SIGINT/SIGTERM; then stop the demo traffic too.
            while let serverEnded = try await group.next() {
                if serverEnded { group.cancelAll() }
            }
        }
    }

    /// The base URL clients use; a wildcard listen address is reached through loopback.
    static func url(host: String, port: Int) -> String {
        let reachable = host == "0.0.0.0" || host.isEmpty ? "127.0.0.1" : (host == "::" ? "::1" : host)
        let bracketed = reachable.contains(":") ? "[\(reachable)]" : reachable
        return "http://\(bracketed):\(port)"
    }
}
