#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawnp`, with pipes on its stdin and stdout.
///
/// The child inherits the environment, the working directory, stderr (or the descriptor given) and
/// every descriptor the wrapper itself inherited; the wrapper's own descriptors are close-on-exec.
package struct ChildProcess: Sendable {
    /// The child's process id.
    package let pid: pid_t
    /// Write end of the child's stdin pipe (owned by the caller; close it to send end of file).
    package let standardInput: Int32
    /// Read end of the child's stdout pipe (owned by the caller).
    package let standardOutput: Int32

    /// Spawns `arguments[0]`, found on `PATH` like a shell does, with `arguments` as its argv.
    ///
    /// - Parameter standardError: a descriptor to become the child's stderr, or `nil` to inherit ours.
    package static func spawn(_ arguments: [String], standardError: Int32? = nil) throws(SpawnError) -> ChildProcess {
        precondition(!arguments.isEmpty, "a command is required")
        let program = arguments[0]
        let resetPipeSignal = SignalForwarder.ignoreBrokenPipe()
        _ = SignalForwarder.ensureChildrenAreReapable()

        guard let inputPipe = LinuxCalls.closeOnExecPipe() else {
            throw SpawnError(program: program, errorNumber: errno)
        }
        guard let outputPipe = LinuxCalls.closeOnExecPipe() else {
            let error = errno
            close(inputPipe.read)
            close(inputPipe.write)
            throw SpawnError(program: program, errorNumber: error)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inputPipe.read, STDIN_FILENO)
        posix_spawn_file_actions_adddup2(&actions, outputPipe.write, STDOUT_FILENO)
        if let standardError, standardError != STDERR_FILENO {
            posix_spawn_file_actions_adddup2(&actions, standardError, STDERR_FILENO)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Caught signals reset to default on exec by themselves; an ignored SIGPIPE would not.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        if resetPipeSignal { sigaddset(&defaults, SIGPIPE) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // The child gets the signal mask the wrapper started with, not the spawning thread's.
        var mask = sigset_t()
        sigemptyset(&mask)
        let blocked = SignalForwarder.startupBlockedSignals
        for signal in Int32(1)...64 where blocked & (UInt64(1) << UInt64(signal - 1)) != 0 {
            sigaddset(&mask, signal)
        }
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }

        var pid: pid_t = 0
        let result = posix_spawnp(&pid, program, &actions, &attributes, argv, environ)
        close(inputPipe.read)
        close(outputPipe.write)
        guard result == 0 else {
            close(inputPipe.write)
            close(outputPipe.read)
            throw SpawnError(program: program, errorNumber: result)
        }
        return ChildProcess(pid: pid, standardInput: inputPipe.write, standardOutput: outputPipe.read)
    }

    /// Blocks until the child exited, without reaping it (its pid stays reserved until ``reap()``).
    package func waitUntilExited() {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 {
            if errno != EINTR { return }
        }
    }

    /// Reaps the child (blocking until it exited) and returns how it ended.
    package func reap() -> ChildExitStatus {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return .exited(127) }
        }
        return ChildExitStatus(waitStatus: status)
    }

    /// Sends `signal` to the child.
    package func send(_ signal: Int32) {
        kill(pid, signal)
    }
}
