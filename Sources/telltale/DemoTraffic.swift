import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Live demo traffic: simulated MCP clients talking to the bundled example server through the real wrapper.
///
/// Each session spawns `<telltale> run --endpoint E --api-key K --tag environment=demo -- <telltale> example-server`
/// and acts as the MCP client on its stdin/stdout, so every call is captured and shipped exactly as
/// real traffic would be. A handful of sessions run at once (2–5), a few calls per second overall.
/// Runs until its task is cancelled; then it closes every session's stdin (letting the wrapper
/// flush) and returns. Problems are logged to stderr once each; nothing here throws or crashes.
struct DemoTraffic: Sendable {
    let telltaleExecutable: URL
    let endpoint: URL
    let ingestKey: String
    /// Multiplier for the pauses between calls and sessions (1 = a few calls per second overall).
    var pace: Double = 1.0
    /// Passed to `example-server --latency-scale`.
    var latencyScale: Double = 1.0
    /// Bounds on how many sessions run at once.
    var concurrency: ClosedRange<Int> = 2...5

    /// Creates demo traffic that ships through `telltaleExecutable run` to `endpoint` with `ingestKey`.
    init(telltaleExecutable: URL, endpoint: URL, ingestKey: String) {
        self.telltaleExecutable = telltaleExecutable
        self.endpoint = endpoint
        self.ingestKey = ingestKey
    }

    /// The running `telltale` binary, for `init(telltaleExecutable:…)` from inside `serve --demo`.
    static var currentExecutable: URL {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        #endif
        return Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    }

    /// The wrapper command line of one session (arguments after the executable).
    var wrapperArguments: [String] {
        [
            "run", "--endpoint", endpoint.absoluteString, "--api-key", ingestKey, "--tag", "environment=demo",
            "--", telltaleExecutable.path, "example-server", "--latency-scale", String(latencyScale),
        ]
    }

    /// Runs sessions until the calling task is cancelled.
    func run() async {
        // Writing to a session whose wrapper died must be an error, not a fatal signal for the whole server.
        signal(SIGPIPE, SIG_IGN)
        await withTaskGroup(of: Bool.self) { group in
            var running = 0
            var failuresInARow = 0
            while !Task.isCancelled {
                let target = Int.random(in: concurrency)
                while running < target && !Task.isCancelled {
                    let stagger = running == 0 ? 0 : Double.random(in: 0...3) * pace
                    group.addTask { await runSession(after: stagger) }
                    running += 1
                }
                guard let healthy = await group.next() else { break }
                running -= 1
                failuresInARow = healthy ? 0 : failuresInARow + 1
                // Back off when sessions keep failing (no wrapper, broken binary …) instead of spinning.
                let pause = failuresInARow == 0
                    ? Double.random(in: 0.2...2) * pace : min(30, pow(2, Double(failuresInARow)))
                do { try await Task.sleep(for: .seconds(pause)) } catch { break }
            }
            group.cancelAll()
            for await _ in group {}
        }
    }

    /// One session from spawn to exit; false when it could not do its work.
    private func runSession(after delay: Double) async -> Bool {
        if delay > 0 {
            do { try await Task.sleep(for: .seconds(delay)) } catch { return true }
        }
        let persona = DemoTrafficPersona.random()
        let connection: DemoTrafficConnection
        do {
            connection = try DemoTrafficConnection(executable: telltaleExecutable, arguments: wrapperArguments)
        } catch {
            DemoTrafficLog.once("launch", "\(error); retrying with backoff")
            return false
        }
        var session = DemoTrafficSession(persona: persona, connection: connection, pace: pace)
        let summary = await session.run()
        let status = await connection.shutdown(grace: 5)
        if !Task.isCancelled, let said = connection.stderrTail.first(where: { $0.hasPrefix("telltale:") }) {
            DemoTrafficLog.once("wrapper-says", "the wrapper says: \(said)")
        }
        if summary.answered == 0 || summary.lostConnection {
            if Task.isCancelled { return true }
            let detail = connection.stderrTail.last.map { ": \($0)" } ?? ""
            let exit = status.map { "exit status \($0)" } ?? "did not exit"
            DemoTrafficLog.once("lost", "a demo session (\(persona.label)) ended early, wrapper \(exit)\(detail)")
            return false
        }
        if let status, status != 0 {
            let detail = connection.stderrTail.last.map { ": \($0)" } ?? ""
            DemoTrafficLog.once("exit-\(status)", "the wrapper exited with status \(status)\(detail)")
        }
        DemoTrafficLog.once("flowing", "traffic is flowing (first session: \(persona.label), \(summary.calls) calls)")
        return true
    }
}
