import ArgumentParser
import Synchronization
import TelltaleCapture
import TelltaleCore
#if canImport(Glibc)
import Glibc
#endif

/// `telltale run [options] -- CMD ARGS…`: wraps a stdio MCP server and records its calls.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a stdio MCP server, relaying its stdin/stdout byte for byte and recording its calls.",
        discussion: """
            Everything after `--` is the server's command line. The server inherits stderr, the \
            environment and the working directory; telltale exits with the server's exit code \
            (128 + signal if it was killed). SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 \
            are forwarded to the server.
            """
    )

    /// How long the captured calls may take to flush after the server exited.
    static let flushLimit = Duration.seconds(2)
    @OptionGroup(title: "Capture")
    var capture: CaptureArguments

    @Option(help: ArgumentHelp("Run an HTTP MCP server instead: listen on this port and reverse-proxy to it.", valueName: "port"))
    var port: Int?

    @Option(help: ArgumentHelp("With --port: the address to listen on.", valueName: "host"))
    var host = "127.0.0.1"

    @Option(name: .customLong("child-port"), help: ArgumentHelp("With --port: the port the server is told to use (default: a free one).", valueName: "port"))
    var childPort: Int?

    @Option(name: .customLong("child-port-env"), help: ArgumentHelp("With --port: the environment variable that carries the server's port.", valueName: "name"))
    var childPortEnv = "PORT"

    @Option(name: .customLong("child-startup-timeout"), help: ArgumentHelp("With --port: how long the server may take to listen (seconds, or with s/m).", valueName: "duration"))
    var childStartupTimeout = "30s"

    @OptionGroup(title: "HTTP capture (with --port)")
    var http: HTTPProxyArguments

    @Option(name: .customLong("session-id"), help: ArgumentHelp("Session id to record (default: one per run).", valueName: "id"))
    var sessionID: String?

    @Argument(parsing: .postTerminator, help: "The server's command line, after `--`.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else {
            throw ValidationError("missing the server's command: telltale run [options] -- CMD ARGS…")
        }
        if let sessionID, sessionID.isEmpty { throw ValidationError("--session-id must not be empty") }
        try validateHTTP()
    }

    func run() async throws {
        if port != nil { return try await runHTTP() }
        // Before the shipper opens a socket (SwiftNIO then ignores SIGPIPE process-wide).
        StdioRelay.recordInheritedSignalState()
        let pipeline: CapturePipeline
        if let settings = capture.captureSettings(sessionID: sessionID, command: command) {
            pipeline = makeCapturePipeline(settings)
        } else {
            RunDiagnostics.write("telltale: no API key (set TELLTALE_API_KEY or --api-key); relaying without recording")
            pipeline = .relayOnly
        }
        let relay = StdioRelay(command: command, observer: pipeline.observer, forwardsSignals: true)
        let status: ChildExitStatus
        do {
            status = try await relay.run { _ in
                await Self.bounded(Self.flushLimit, pipeline.finish)
            }
        } catch {
            RunDiagnostics.write("telltale: \(error)")
            throw ExitCode(error.shellExitCode)
        }
        throw ExitCode(status.shellExitCode)
    }

    /// Runs `work`, returning when it finished or after `limit`, whichever comes first.
    /// (The process exits right after, so unfinished work is simply dropped.)
    static func bounded(_ limit: Duration, _ work: @escaping @Sendable () async -> Void) async {
        let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            gate.withLock { $0 = continuation }
            let resume: @Sendable () -> Void = {
                gate.withLock { pending in
                    pending?.resume()
                    pending = nil
                }
            }
            Task {
                await work()
                resume()
            }
            Task {
                try? await Task.sleep(for: limit)
                resume()
            }
        }
    }
}
