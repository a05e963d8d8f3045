#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawnp`, with pipes on its stdin and stdout (or inheriting both).
///
/// The child inherits the environment (plus any variables given), the working directory, stderr (or the
/// descriptor given) and every descriptor the wrapper itself inherited; the wrapper's own descriptors are
/// close-on-exec.
package struct ChildProcess: Sendable {
    /// The child's process id.
    package let pid: pid_t
    /// Write end of the child's stdin pipe (owned by the caller; close it to send end of file); -1 when
    /// the child inherited stdin.
    package let standardInput: Int32
    /// Read end of the child's stdout pipe (owned by the caller); -1 when the child inherited stdout.
    package let standardOutput: Int32

    /// Spawns `arguments[0]`, found on `PATH` like a shell does, with `arguments` as its argv.
    ///
    /// - Parameters:
    ///   - standardError: a descriptor to become the child's stderr, or `nil` to inherit ours.
    ///   - pipes: pipes on the child's stdin and stdout; `false` lets it inherit ours.
    ///   - environment: variables set (or replaced) in the environment the child inherits.
    package static func spawn(
        _ arguments: [String], standardError: Int32? = nil, pipes: Bool = true, environment: [String: String] = [:]
    ) throws(SpawnError) -> ChildProcess {
        precondition(!arguments.isEmpty, "a command is required")
        let program = arguments[0]
        let resetPipeSignal = SignalForwarder.ignoreBrokenPipe()
        _ = SignalForwarder.ensureChildrenAreReapable()

        var inputPipe = (read: Int32(-1), write: Int32(-1))
        var outputPipe = (read: Int32(-1), write: Int32(-1))
        if pipes {
            guard let input = LinuxCalls.closeOnExecPipe() else {
                throw SpawnError(program: program, errorNumber: errno)
            }
            guard let output = LinuxCalls.closeOnExecPipe() else {
                let error = errno
                close(input.read)
                close(input.write)
                throw SpawnError(program: program, errorNumber: error)
            }
            inputPipe = input
            outputPipe = output
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if pipes {
            posix_spawn_file_actions_adddup2(&actions, inputPipe.read, STDIN_FILENO)
            posix_spawn_file_actions_adddup2(&actions, outputPipe.write, STDOUT_FILENO)
        }
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
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.isEmpty ? nil : Self.environment(with: environment)
        defer { for pointer in envp ?? [] { free(pointer) } }

        var pid: pid_t = 0
        let result = envp.map { envp in posix_spawnp(&pid, program, &actions, &attributes, argv, envp) }
            ?? posix_spawnp(&pid, program, &actions, &attributes, argv, environ)
        if pipes {
            close(inputPipe.read)
            close(outputPipe.write)
        }
        guard result == 0 else {
            if pipes {
                close(inputPipe.write)
                close(outputPipe.read)
            }
            throw SpawnError(program: program, errorNumber: result)
        }
        return ChildProcess(pid: pid, standardInput: inputPipe.write, standardOutput: outputPipe.read)
    }

    /// This process's environment with `overrides` set, as `NAME=value` C strings (nil-terminated, caller frees).
    private static func environment(with overrides: [String: String]) -> [UnsafeMutablePointer<CChar>?] {
        var entries: [UnsafeMutablePointer<CChar>?] = []
        var index = 0
        while let entry = environ[index] {
            index += 1
            let text = String(cString: entry)
            let name = text.split(separator: "=", maxSplits: 1).first.map(String.init) ?? text
            if overrides[name] == nil { entries.append(strdup(entry)) }
        }
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) {
            entries.append(strdup("\(name)=\(value)"))
        }
        return entries + [nil]
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
