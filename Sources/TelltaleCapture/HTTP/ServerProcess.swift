#if canImport(Glibc)
import Glibc
#endif

/// An HTTP MCP server started by `telltale run --port`: a child that inherits stdin, stdout, stderr, the
/// working directory and the environment (plus the port variable), with termination signals forwarded.
public final class ServerProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t
    private let waiter: ChildWaiter

    private init(child: ChildProcess, forwardsSignals: Bool) {
        self.pid = child.pid
        self.waiter = ChildWaiter(child: child, forwardsSignals: forwardsSignals)
    }

    /// Starts `command` with `environment` added to the inherited environment.
    ///
    /// - Parameter forwardsSignals: forward SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to the
    ///   child (process-wide handlers: for the CLI, not for tests).
    /// - Throws: ``SpawnError`` when the program cannot be started (not found: shell exit code 127).
    public static func start(
        _ command: [String], environment: [String: String], forwardsSignals: Bool
    ) throws(SpawnError) -> ServerProcess {
        guard !command.isEmpty else { throw SpawnError(program: "", errorNumber: ENOENT) }
        if forwardsSignals { SignalForwarder.install() }
        let child = try ChildProcess.spawn(command, pipes: false, environment: environment)
        if forwardsSignals { SignalForwarder.forward(to: child.pid) }
        let process = ServerProcess(child: child, forwardsSignals: forwardsSignals)
        guard process.waiter.start() else {
            let error = errno
            child.send(SIGKILL)
            _ = child.reap()
            throw SpawnError(program: command[0], errorNumber: error == 0 ? EAGAIN : error)
        }
        return process
    }

    /// How the child ended, once it has; nil while it runs.
    public var exitStatusIfExited: ChildExitStatus? {
        waiter.status
    }

    /// Suspends until the child exited; returns how it ended.
    public func exitStatus() async -> ChildExitStatus {
        await waiter.exitStatus()
    }

    /// Sends `signal` to the child, unless it already exited.
    public func send(_ signal: Int32) {
        waiter.send(signal)
    }
}
