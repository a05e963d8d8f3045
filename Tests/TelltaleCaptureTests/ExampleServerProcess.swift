import Foundation
import Synchronization

/// A running `telltale example-server` child process, spoken to over pipes as an MCP client would.
///
/// The `telltale` target is an executable and cannot be imported, so the tests drive the built binary.
final class ExampleServerProcess: Sendable {
    /// Raised when the binary is missing or an expected message does not arrive in time.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private struct Received {
        var lines: [Data] = []
        /// When the reader thread saw each line (not delayed by how the test's tasks are scheduled).
        var arrivals: [ContinuousClock.Instant] = []
        var closed = false
    }

    /// Shared with the reader thread, which must not keep the whole process object alive.
    private final class Inbox: Sendable {
        let state = Mutex(Received())
    }

    private let process: Process
    private let input: FileHandle
    /// Complete stdout lines in arrival order, filled by the reader thread.
    private let inbox = Inbox()

    /// Starts `telltale example-server` with `arguments` appended.
    init(arguments: [String] = []) throws {
        let process = Process()
        process.executableURL = try Self.telltaleBinary()
        process.arguments = ["example-server"] + arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.input = stdin.fileHandleForWriting
        let output = stdout.fileHandleForReading
        let inbox = self.inbox
        Thread.detachNewThread {
            var pending = Data()
            while true {
                let chunk = output.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                var start = pending.startIndex
                var lines: [Data] = []
                while let newline = pending[start...].firstIndex(of: 0x0A) {
                    lines.append(Data(pending[start..<newline]))
                    start = newline + 1
                }
                pending.removeSubrange(pending.startIndex..<start)
                let now = ContinuousClock.now
                inbox.state.withLock {
                    $0.lines.append(contentsOf: lines)
                    $0.arrivals.append(contentsOf: repeatElement(now, count: lines.count))
                }
            }
            inbox.state.withLock { $0.closed = true }
        }
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// Writes one message as a line.
    func send(_ message: [String: Any]) throws {
        var line = try JSONSerialization.data(withJSONObject: message)
        line.append(0x0A)
        try input.write(contentsOf: line)
    }

    /// Writes raw bytes to the child's stdin, unframed.
    func sendRaw(_ text: String) throws {
        try input.write(contentsOf: Data(text.utf8))
    }

    /// Sends a request with `id` and waits for the response carrying that id.
    func request(
        _ id: Int, _ method: String, _ params: [String: Any] = [:], timeout: Duration = .seconds(10)
    ) async throws -> [String: Any] {
        try send(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
        return try await response(id: id, timeout: timeout)
    }

    /// Sends a notification (no id).
    func notify(_ method: String, _ params: [String: Any] = [:]) throws {
        try send(["jsonrpc": "2.0", "method": method, "params": params])
    }

    /// Waits for the response whose id is `id` (integer ids only).
    func response(id: Int, timeout: Duration = .seconds(10)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        let marker = Data("\"id\":\(id)".utf8)
        var scanned = 0
        while ContinuousClock.now < deadline {
            let lines = inbox.state.withLock { $0.lines[scanned...] }
            scanned += lines.count
            for line in lines where line.range(of: marker) != nil {
                if let message = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any],
                   message["id"] as? Int == id {
                    return message
                }
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw Failure(description: "no response with id \(id) within \(timeout); last lines: \(messages().suffix(5))")
    }

    /// When the response with `id` arrived, as seen by the reader thread.
    func arrival(id: Int) -> ContinuousClock.Instant? {
        let (lines, arrivals) = inbox.state.withLock { ($0.lines, $0.arrivals) }
        let index = lines.firstIndex {
            ((try? JSONSerialization.jsonObject(with: $0)) as? [String: Any])?["id"] as? Int == id
        }
        return index.map { arrivals[$0] }
    }

    /// Every message received so far, parsed.
    func messages() -> [[String: Any]] {
        inbox.state.withLock { $0.lines }.map {
            (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] ?? ["unparseable": String(decoding: $0, as: UTF8.self)]
        }
    }

    /// Closes the child's stdin and waits for it to exit and for its stdout to close; returns the exit status.
    func finish(timeout: Duration = .seconds(10)) async throws -> Int32 {
        try input.close()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning || !inbox.state.withLock({ $0.closed }) {
            guard ContinuousClock.now < deadline else { throw Failure(description: "example-server did not exit") }
            try await Task.sleep(for: .milliseconds(5))
        }
        return process.terminationStatus
    }

    /// The built `telltale` binary: `$TELLTALE_BINARY`, else next to the test bundle, else `.build/debug`.
    static func telltaleBinary() throws -> URL {
        var candidates: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["TELLTALE_BINARY"] {
            candidates.append(URL(fileURLWithPath: explicit))
        }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        candidates.append(bundle.appendingPathComponent("telltale"))
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("telltale"))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/telltale"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw Failure(description: "telltale binary not found (run `swift build` first); looked at \(candidates.map(\.path))")
        }
        return found
    }
}
