#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// A running ``StdioRelay``: the child process and the two pumps around it.
public final class StdioRelaySession: Sendable {
    private struct State {
        var status: ChildExitStatus?
        var reaping = false
        var waiters: [CheckedContinuation<ChildExitStatus, Never>] = []
    }

    /// The child's process id.
    public let pid: pid_t
    private let child: ChildProcess
    private let output: RelayPump
    private let forwardsSignals: Bool
    private let orphanedOutputGrace: Duration
    private let state = Mutex(State())
    private let exited = DispatchSemaphore(value: 0)

    init(child: ChildProcess, output: RelayPump, forwardsSignals: Bool, orphanedOutputGrace: Duration) {
        self.pid = child.pid
        self.child = child
        self.output = output
        self.forwardsSignals = forwardsSignals
        self.orphanedOutputGrace = orphanedOutputGrace
    }

    /// Blocks until the child exited and its output was relayed; returns how it ended.
    public func waitForExit() -> ChildExitStatus {
        exited.wait()
        exited.signal()
        return state.withLock { $0.status! }
    }

    /// Suspends until the child exited and its output was relayed; returns how it ended.
    public func exitStatus() async -> ChildExitStatus {
        await withCheckedContinuation { continuation in
            let status: ChildExitStatus? = state.withLock { state in
                if let status = state.status { return status }
                state.waiters.append(continuation)
                return nil
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    /// Sends `signal` to the child, unless it already exited.
    public func send(_ signal: Int32) {
        state.withLock { state in
            if !state.reaping { child.send(signal) }
        }
    }

    /// Starts the thread that waits for the child, then for its output to drain.
    func startWaiter() -> Bool {
        RelayThread.start(name: "telltale-wait") { [self] in
            child.waitUntilExited()
            if forwardsSignals { SignalForwarder.childExited() }
            state.withLock { $0.reaping = true }
            let status = child.reap()
            drainOutput()
            let waiters = state.withLock { state in
                state.status = status
                defer { state.waiters = [] }
                return state.waiters
            }
            exited.signal()
            for waiter in waiters { waiter.resume(returning: status) }
        }
    }

    /// Waits for the child's stdout to reach end of file. If a grandchild still holds it open and
    /// nothing comes for `orphanedOutputGrace`, stops waiting (bytes that come later are still forwarded).
    private func drainOutput() {
        let tickMilliseconds = 20
        var quiet = Duration.zero
        while !output.waitUntilFinished(timeout: .now() + .milliseconds(tickMilliseconds)) {
            if output.isIdle {
                quiet += .milliseconds(tickMilliseconds)
                if quiet >= orphanedOutputGrace, output.abandonIfIdle() { return }
            } else {
                quiet = .zero
            }
        }
    }
}
