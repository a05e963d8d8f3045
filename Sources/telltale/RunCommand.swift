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
    static let defaultEndpoint = "http://127.0.0.1:7340"

    @Option(help: ArgumentHelp("Collector URL (env TELLTALE_ENDPOINT; default \(Self.defaultEndpoint)).", valueName: "url"))
    var endpoint: String?

    @Option(name: .customLong("api-key"), help: ArgumentHelp("Ingest key (env TELLTALE_API_KEY). Without one, nothing is recorded.", valueName: "key"))
    var apiKey: String?

    @Option(name: .customLong("tag"), help: ArgumentHelp("A tag stamped on every call (repeatable).", valueName: "key=value"))
    var tags: [String] = []

    @Option(name: .customLong("redact-key"), help: ArgumentHelp("Redact values under keys matching this regex (repeatable).", valueName: "regex"))
    var redactKeys: [String] = []

    @Flag(name: .customLong("no-payloads"), help: "Do not capture request and response payloads.")
    var noPayloads = false

    @Option(name: .customLong("session-id"), help: ArgumentHelp("Session id to record (default: one per run).", valueName: "id"))
    var sessionID: String?

    @Argument(parsing: .postTerminator, help: "The server's command line, after `--`.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else {
            throw ValidationError("missing the server's command: telltale run [options] -- CMD ARGS…")
        }
        do { _ = try parsedTags() } catch { throw ValidationError(error.description) }
        do { _ = try Redactor(extraKeyPatterns: redactKeys) } catch {
            throw ValidationError(error.description)
        }
        if let sessionID, sessionID.isEmpty { throw ValidationError("--session-id must not be empty") }
        let endpoint = resolvedEndpoint
        guard endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") else {
            throw ValidationError("invalid endpoint '\(endpoint)': expected an http:// or https:// URL")
        }
    }

    func run() async throws {
        // Before the shipper opens a socket (SwiftNIO then ignores SIGPIPE process-wide).
        StdioRelay.recordInheritedSignalState()
        let pipeline: CapturePipeline
        if let settings = captureSettings() {
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

    /// The endpoint from the option, else the environment, else the default.
    var resolvedEndpoint: String {
        if let endpoint { return endpoint }
        if let value = Self.environment("TELLTALE_ENDPOINT"), !value.isEmpty { return value }
        return Self.defaultEndpoint
    }

    /// The capture settings, or `nil` when there is no API key (relay only).
    func captureSettings() -> CaptureSettings? {
        guard let key = apiKey ?? Self.environment("TELLTALE_API_KEY"), !key.isEmpty else { return nil }
        return CaptureSettings(
            endpoint: resolvedEndpoint, apiKey: key, tags: (try? parsedTags()) ?? [:], redactKeyPatterns: redactKeys,
            capturePayloads: !noPayloads, sessionID: sessionID, command: command)
    }

    /// `--tag key=value` options as a dictionary (a later tag with the same key wins).
    func parsedTags() throws(TagArgument.Invalid) -> [String: String] {
        var values: [String: String] = [:]
        for tag in tags {
            let parsed = try TagArgument(parsing: tag)
            values[parsed.key] = parsed.value
        }
        return values
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
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
