import Foundation
import MCP
import TelltaleCore
import Testing

/// The example server (`telltale-mcp-example`, a swift-sdk server monitored by TelltaleMCP) as a real
/// child process, driven by the real swift-sdk `Client` over `StdioTransport` on pipes, shipping to a real
/// collector through `TELLTALE_ENDPOINT`/`TELLTALE_API_KEY`.
@Suite struct StdioCaptureTests {
    /// The example executable `swift build` puts next to the test bundle.
    static func exampleServer() throws -> URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("telltale-mcp-example")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw ExampleMissing(description: "no telltale-mcp-example near \(testBinary.path); run `swift build --build-tests` first")
    }

    struct ExampleMissing: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs the example server with `environment`, connects a client over its stdin/stdout, runs `body`,
    /// closes stdin and waits for the process to exit; returns its exit status and stderr.
    static func runExample(
        arguments: [String], environment: [String: String], _ body: (Client) async throws -> Void
    ) async throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = try exampleServer()
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["TELLTALE_ENDPOINT"] = nil
        env["TELLTALE_API_KEY"] = nil
        env.merge(environment) { _, new in new }
        process.environment = env
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()

        let transport = StdioTransport(
            input: .init(rawValue: stdout.fileHandleForReading.fileDescriptor),
            output: .init(rawValue: stdin.fileHandleForWriting.fileDescriptor))
        let client = Client(name: "stdio-test-client", version: "0.9.0")
        do {
            _ = try await client.connect(transport: transport)
            try await body(client)
        } catch {
            process.terminate()
            throw error
        }
        await client.disconnect()
        try stdin.fileHandleForWriting.close()

        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, errors)
    }

    @Test func aStdioServerShipsEveryCallOfItsConnectionBeforeItExits() async throws {
        try await Collector.with { collector in
            let environment = [
                "TELLTALE_ENDPOINT": collector.endpoint.absoluteString,
                "TELLTALE_API_KEY": collector.ingestKey,
                "XDG_DATA_HOME": collector.directory.path,
            ]
            let run = try await Self.runExample(arguments: ["--tag", "env=stdio-test"], environment: environment) { client in
                let tools = try await client.listTools()
                #expect(tools.tools.map(\.name) == ["add", "divide", "sleep"])
                let sum = try await client.callTool(name: "add", arguments: ["a": 40, "b": 2])
                guard case .text(let text, _, _)? = sum.content.first else {
                    Issue.record("no text content")
                    return
                }
                #expect(text == "42")
                let division = try await client.callTool(name: "divide", arguments: ["a": 1, "b": 0])
                #expect(division.isError == true)
            }
            #expect(run.status == 0)
            #expect(!run.stderr.contains("telltale:"), "no Telltale log lines on a healthy run: \(run.stderr)")

            // The server flushed on its way out: everything is there already.
            let calls = try await collector.calls()
            #expect(calls.map(\.method) == ["initialize", "notifications/initialized", "tools/list", "tools/call", "tools/call"])
            #expect(calls.allSatisfy { $0.transport == .stdio && $0.tags == ["env": "stdio-test"] })
            #expect(Set(calls.map(\.session)).count == 1)
            #expect(calls.allSatisfy { $0.client == PeerInfo(name: "stdio-test-client", version: "0.9.0") })
            #expect(calls.allSatisfy { $0.server == PeerInfo(name: "telltale-mcp-example", version: "1.0.0") })
            #expect(calls.filter { $0.method == "tools/call" }.map(\.outcome) == [.ok, .toolError])
            #expect(calls.filter { $0.kind == .request }.allSatisfy { $0.requestId != nil && $0.durationNs > 0 })
        }
    }

    @Test func withoutACollectorTheServerServesUnmonitoredAfterOneLogLine() async throws {
        let run = try await Self.runExample(arguments: [], environment: [:]) { client in
            let sum = try await client.callTool(name: "add", arguments: ["a": 1, "b": 2])
            #expect(sum.isError != true)
        }
        #expect(run.status == 0)
        let lines = run.stderr.split(separator: "\n").filter { $0.contains("telltale:") }
        #expect(lines.count == 1)
        #expect(lines.first?.contains("monitoring disabled: no collector endpoint") == true)
    }
}
