/// How a child process ended.
public enum ChildExitStatus: Sendable, Equatable, CustomStringConvertible {
    /// The child called `exit` with this code.
    case exited(Int32)
    /// The child was killed by this signal.
    case signaled(Int32)

    /// The exit code a shell would report: the code itself, or 128 + the signal number.
    public var shellExitCode: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
    }

    /// Decodes a `waitpid` status word.
    package init(waitStatus status: Int32) {
        let signal = status & 0x7f
        if signal == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signaled(signal)
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): "exited with code \(code)"
        case .signaled(let signal): "killed by signal \(signal)"
        }
    }
}
