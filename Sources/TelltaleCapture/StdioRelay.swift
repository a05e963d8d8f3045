#if canImport(Glibc)
import Glibc
#endif

/// Wraps a stdio program: starts it and relays the client's stdin to it and its stdout back, byte for byte.
///
/// Forward first, observe after: one plain thread per direction does a blocking `read`, writes every
/// byte to the other side, and only then hands those bytes to the ``RelayObserver``. The child inherits
/// stderr, the environment, the working directory and the wrapper's inherited descriptors.
///
/// - The observer sees both directions in causal order: a request before the response it caused, a
///   server→client request before the client's answer (see ``RelayOrdering``). When
///   ``StdioRelaySession/exitStatus()`` returns, it has been told `closed(.serverToClient)`.
/// - When the client closes the relay's input, the child's stdin is closed (the child sees EOF).
/// - When the client stops reading output (`EPIPE`), that direction stops and the child's stdout is
///   closed, so the child gets `EPIPE` on its next write, as it would directly; the child keeps running.
/// - `SIGPIPE` is ignored in this process (writes to closed pipes return `EPIPE`).
/// - With `forwardsSignals`, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 go to the child (see
///   ``SignalForwarder``); the wrapper keeps running until the child exits.
public struct StdioRelay: Sendable {
    /// The program and its arguments; the program is looked up on `PATH` like a shell does.
    public var command: [String]
    /// Sees a copy of every chunk after it was forwarded; `nil` relays without observing.
    public var observer: (any RelayObserver)?
    /// Where the client's messages come from (the wrapper's stdin by default).
    public var clientInput: Int32
    /// Where the child's output goes (the wrapper's stdout by default).
    public var clientOutput: Int32
    /// A descriptor to become the child's stderr; `nil` lets it inherit the wrapper's, untouched.
    public var childStandardError: Int32?
    /// Forward termination signals to the child (process-wide handlers; for the CLI, not for tests).
    public var forwardsSignals: Bool
    /// Bytes per `read`.
    public var bufferSize: Int
    /// After the child exited, how long its stdout may stay open and quiet (held by a grandchild)
    /// before the relay stops waiting for end of file.
    public var orphanedOutputGrace: Duration

    /// Describes a relay of `command`; nothing runs until ``start()``.
    public init(
        command: [String],
        observer: (any RelayObserver)? = nil,
        clientInput: Int32 = STDIN_FILENO,
        clientOutput: Int32 = STDOUT_FILENO,
        childStandardError: Int32? = nil,
        forwardsSignals: Bool = false,
        bufferSize: Int = 64 * 1024,
        orphanedOutputGrace: Duration = .milliseconds(250)
    ) {
        self.command = command
        self.observer = observer
        self.clientInput = clientInput
        self.clientOutput = clientOutput
        self.childStandardError = childStandardError
        self.forwardsSignals = forwardsSignals
        self.bufferSize = bufferSize
        self.orphanedOutputGrace = orphanedOutputGrace
    }

    /// Records the signal state the process inherited, before anything else in it changes that state.
    ///
    /// Call it first thing in a process that will start children through a relay: libraries such as
    /// SwiftNIO (used by the shipper) ignore `SIGPIPE` process-wide when they open their first socket,
    /// and the child must get the disposition the wrapper itself started with, not that one.
    public static func recordInheritedSignalState() {
        _ = SignalForwarder.ignoreBrokenPipe()
        _ = SignalForwarder.startupBlockedSignals
        _ = SignalForwarder.ensureChildrenAreReapable()
    }

    /// Starts the child and both relay threads.
    ///
    /// - Throws: ``SpawnError`` when the program cannot be started (not found: shell exit code 127).
    public func start() throws(SpawnError) -> StdioRelaySession {
        guard let program = command.first else { throw SpawnError(program: "", errorNumber: ENOENT) }
        if forwardsSignals { SignalForwarder.install() }
        let child = try ChildProcess.spawn(command, standardError: childStandardError)
        if forwardsSignals { SignalForwarder.forward(to: child.pid) }

        let ordering = RelayOrdering()
        let input = RelayPump(
            direction: .clientToServer, from: clientInput, to: child.standardInput,
            closesSource: false, closesDestination: true, observer: observer, ordering: ordering, bufferSize: bufferSize)
        let output = RelayPump(
            direction: .serverToClient, from: child.standardOutput, to: clientOutput,
            closesSource: true, closesDestination: false, observer: observer, ordering: ordering, bufferSize: bufferSize)
        let session = StdioRelaySession(
            child: child, output: output, forwardsSignals: forwardsSignals, orphanedOutputGrace: orphanedOutputGrace)
        guard output.start(), input.start(), session.startWaiter() else {
            let error = errno
            child.send(SIGKILL)
            throw SpawnError(program: program, errorNumber: error == 0 ? EAGAIN : error)
        }
        return session
    }

    /// Starts the child, waits until it exited and its output was relayed, then runs `afterExit`
    /// (the CLI flushes captured calls there) and returns how the child ended.
    public func run(
        afterExit: @Sendable (ChildExitStatus) async -> Void = { _ in }
    ) async throws(SpawnError) -> ChildExitStatus {
        let session = try start()
        let status = await session.exitStatus()
        await afterExit(status)
        return status
    }
}
