#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// A running ``StdioRelay``: the child process and the two pumps around it.
public final class StdioRelaySession: Sendable {
    /// The child's process id.
    public let pid: pid_t
    private let waiter: ChildWaiter
    private let output: RelayPump
    private let orphanedOutputGrace: Duration
    private let exited = DispatchSemaphore(value: 0)

    init(child: ChildProcess, output: RelayPump, forwardsSignals: Bool, orphanedOutputGrace: Duration) {
        self.pid = child.pid
        self.waiter = ChildWaiter(child: child, forwardsSignals: forwardsSignals)
        self.output = output
        self.orphanedOutputGrace = orphanedOutputGrace
    }

    /// Blocks until the child exited and its output was relayed; returns how it ended.
    public func waitForExit() -> ChildExitStatus {
        exited.wait()
        exited.signal()
        return waiter.status!
    }

    /// Suspends until the child exited and its output was relayed; returns how it ended.
    public func exitStatus() async -> ChildExitStatus {
        await waiter.exitStatus()
    }

    /// Sends `signal` to the child, unless it already exited.
    public func send(_ signal: Int32) {
        waiter.send(signal)
    }

    /// Starts the thread that waits for the child, then for its output to drain.
    func startWaiter() -> Bool {
        waiter.start(beforePublishing: { [self] in drainOutput() }, afterPublishing: { [exited] in exited.signal() })
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
