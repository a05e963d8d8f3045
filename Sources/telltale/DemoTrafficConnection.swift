import Foundation
import Synchronization

/// One MCP client connection to a child process over its stdin/stdout (newline-delimited JSON-RPC).
///
/// A reader thread per pipe keeps blocking reads off the cooperative pool. Replies are matched to
/// waiting requests by integer id. Every wait is bounded, and every wait ends at once when the
/// calling task is cancelled, so the demo shuts down promptly.
final class DemoTrafficConnection: Sendable {
    /// What became of a request.
    enum Reply: Sendable {
        /// The response line (a `result` or an `error`).
        case message(Data)
        /// The child closed its stdout (or could not be written to) before answering.
        case closed
        case timedOut
        /// The caller gave up: the request was cancelled, or its task was.
        case abandoned
    }

    /// Raised when the child process cannot be started.
    struct LaunchError: Error, CustomStringConvertible {
        var command: String
        var reason: String
        var description: String { "could not start \(command): \(reason)" }
    }

    private struct State {
        var pending: [Int: CheckedContinuation<Reply, Never>] = [:]
        var stdoutClosed = false
        var exitStatus: Int32?
        var exitWaiters: [Int: CheckedContinuation<Int32?, Never>] = [:]
        var nextWaiter = 0
        var stderrTail: [String] = []
    }

    private let process: Process
    private let input: FileHandle
    /// Serializes writes to the child's stdin so lines never interleave.
    private let writeLock = Mutex(false)
    private let shared: Shared

    /// State shared with the reader threads and the termination handler; all of it is guarded by `state`.
    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    /// Starts `executable` with `arguments`, its stdin, stdout and stderr connected to pipes.
    init(executable: URL, arguments: [String]) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let shared = Shared()
        process.terminationHandler = { finished in
            let status = finished.terminationStatus
            let waiters = shared.state.withLock { state in
                state.exitStatus = status
                defer { state.exitWaiters = [:] }
                return Array(state.exitWaiters.values)
            }
            for waiter in waiters { waiter.resume(returning: status) }
        }
        do {
            try process.run()
        } catch {
            throw LaunchError(command: executable.path, reason: "\(error)")
        }
        self.process = process
        self.input = stdin.fileHandleForWriting
        self.shared = shared
        Self.readLines(from: stdout.fileHandleForReading, name: "demo-stdout") { line in
            Self.deliver(line: line, to: shared)
        } onEnd: {
            let pending = shared.state.withLock { state in
                state.stdoutClosed = true
                defer { state.pending = [:] }
                return Array(state.pending.values)
            }
            for continuation in pending { continuation.resume(returning: .closed) }
        }
        Self.readLines(from: stderr.fileHandleForReading, name: "demo-stderr") { line in
            let text = String(decoding: line, as: UTF8.self)
            shared.state.withLock { state in
                state.stderrTail.append(text)
                if state.stderrTail.count > 20 { state.stderrTail.removeFirst() }
            }
        } onEnd: {}
    }

    /// The last lines the child wrote to stderr (at most 20).
    var stderrTail: [String] { shared.state.withLock { $0.stderrTail } }

    /// Sends a request and waits for its reply, at most `timeout` seconds.
    func request(id: Int, method: String, params: [String: Any], timeout: Double = 15) async -> Reply {
        let message: [String: Any] = ["jsonrpc": "2.0", "id": id, "method": method, "params": params]
        guard let line = Self.encode(message) else { return .closed }
        let shared = self.shared
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Reply, Never>) in
                let registered = shared.state.withLock { state -> Bool in
                    guard !state.stdoutClosed else { return false }
                    state.pending[id] = continuation
                    return true
                }
                guard registered else { return continuation.resume(returning: .closed) }
                if Task.isCancelled { return Self.resolve(id, .abandoned, in: shared) }
                if !write(line) { return Self.resolve(id, .closed, in: shared) }
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                    Self.resolve(id, .timedOut, in: shared)
                }
            }
        } onCancel: {
            Self.resolve(id, .abandoned, in: shared)
        }
    }

    /// Sends a notification; returns false when the child's stdin is gone.
    @discardableResult
    func notify(method: String, params: [String: Any]) -> Bool {
        guard let line = Self.encode(["jsonrpc": "2.0", "method": method, "params": params]) else { return false }
        return write(line)
    }

    /// Gives up on request `id`: its waiter gets `.abandoned` and a late reply is ignored.
    func abandon(id: Int) {
        Self.resolve(id, .abandoned, in: shared)
    }

    /// Closes the child's stdin (it sees end of file).
    func closeInput() {
        writeLock.withLock { closed in
            if !closed {
                closed = true
                try? input.close()
            }
        }
    }

    /// Waits for the child to exit, at most `timeout` seconds (even when the calling task is cancelled); nil on timeout.
    func waitForExit(timeout: Double) async -> Int32? {
        let shared = self.shared
        return await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
            let ticket = shared.state.withLock { state -> Int? in
                if state.exitStatus != nil { return nil }
                state.nextWaiter += 1
                state.exitWaiters[state.nextWaiter] = continuation
                return state.nextWaiter
            }
            guard let ticket else {
                return continuation.resume(returning: shared.state.withLock { $0.exitStatus })
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                let waiter = shared.state.withLock { $0.exitWaiters.removeValue(forKey: ticket) }
                waiter?.resume(returning: nil)
            }
        }
    }

    /// Ends the session: closes stdin, waits for a clean exit, then escalates to SIGTERM and SIGKILL.
    func shutdown(grace: Double) async -> Int32? {
        closeInput()
        if let status = await waitForExit(timeout: grace) { return status }
        if process.isRunning { process.terminate() }
        if let status = await waitForExit(timeout: 2) { return status }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        return await waitForExit(timeout: 2)
    }

    private func write(_ line: Data) -> Bool {
        writeLock.withLock { closed in
            guard !closed else { return false }
            do {
                try input.write(contentsOf: line)
                return true
            } catch {
                return false
            }
        }
    }

    private static func encode(_ message: [String: Any]) -> Data? {
        guard var line = try? JSONSerialization.data(withJSONObject: message, options: [.withoutEscapingSlashes])
        else { return nil }
        line.append(0x0A)
        return line
    }

    private static func resolve(_ id: Int, _ reply: Reply, in shared: Shared) {
        let continuation = shared.state.withLock { $0.pending.removeValue(forKey: id) }
        continuation?.resume(returning: reply)
    }

    private static func deliver(line: Data, to shared: Shared) {
        guard let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any],
              object["method"] == nil, let id = object["id"] as? Int
        else { return }  // server notifications and requests are not expected from the example server
        resolve(id, .message(line), in: shared)
    }

    private static func readLines(
        from handle: FileHandle, name: String, onLine: @escaping @Sendable (Data) -> Void,
        onEnd: @escaping @Sendable () -> Void
    ) {
        ExampleServerInput.readLines(descriptor: handle.fileDescriptor, threadName: name, onLine: onLine) {
            try? handle.close()
            onEnd()
        }
    }
}
