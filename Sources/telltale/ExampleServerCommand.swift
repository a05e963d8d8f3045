import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `telltale example-server`: the bundled example MCP server (stdio), used by `serve --demo` and the tests.
struct ExampleServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example-server",
        abstract: "Run the bundled example MCP server on stdin/stdout (for demos and tests).",
        shouldDisplay: false
    )

    @Option(help: "Multiplier for every simulated latency (0 makes all tools answer at once).")
    var latencyScale: Double = 1.0

    @Option(help: "Probability (0…1) that flaky_lookup fails with a tool error.")
    var failRate: Double = 0.2

    func validate() throws {
        guard latencyScale >= 0, latencyScale.isFinite else {
            throw ValidationError("--latency-scale must be a finite number ≥ 0")
        }
        guard (0...1).contains(failRate) else {
            throw ValidationError("--fail-rate must be between 0 and 1")
        }
    }

    func run() async throws {
        // A client that goes away must not kill us with SIGPIPE; failed writes are handled instead.
        signal(SIGPIPE, SIG_IGN)
        let server = ExampleServer(configuration: .init(latencyScale: latencyScale, failRate: failRate))
        await server.serve(lines: ExampleServerInput.lines())
    }
}
