#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Waits for a child process on a thread of its own and hands its exit status to any number of waiters.
///
/// The child is waited for without being reaped first, so signals can still be sent to its pid safely
/// until the reap (the pid cannot be reused before it).
package final class ChildWaiter: Sendable {
    private struct State {
        var status: ChildExitStatus?
        var reaping = false
        var waiters: [CheckedContinuation<ChildExitStatus, Never>] = []
    }

    private let child: ChildProcess
    private let forwardsSignals: Bool
    private let state = Mutex(State())

    package init(child: ChildProcess, forwardsSignals: Bool) {
        self.child = child
        self.forwardsSignals = forwardsSignals
    }

    /// How the child ended, once the status is published; nil before.
    package var status: ChildExitStatus? {
        state.withLock { $0.status }
    }

    /// Suspends until the status is published; returns it.
    package func exitStatus() async -> ChildExitStatus {
        await withCheckedContinuation { continuation in
            let status: ChildExitStatus? = state.withLock { state in
                if let status = state.status { return status }
                state.waiters.append(continuation)
                return nil
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    /// Sends `signal` to the child, unless it is already being reaped.
    package func send(_ signal: Int32) {
        state.withLock { state in
            if !state.reaping { child.send(signal) }
        }
    }

    /// Starts the waiting thread. After the reap it runs `beforePublishing` (on that thread), then
    /// publishes the status to the waiters, then runs `afterPublishing`.
    package func start(
        beforePublishing: @escaping @Sendable () -> Void = {},
        afterPublishing: @escaping @Sendable () -> Void = {}
    ) -> Bool {
        RelayThread.start(name: "telltale-wait") { [self] in
            child.waitUntilExited()
            if forwardsSignals { SignalForwarder.childExited() }
            state.withLock { $0.reaping = true }
            let status = child.reap()
            beforePublishing()
            let waiters = state.withLock { state in
                state.status = status
                defer { state.waiters = [] }
                return state.waiters
            }
            afterPublishing()
            for waiter in waiters { waiter.resume(returning: status) }
        }
    }
}
