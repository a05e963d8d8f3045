#if canImport(Glibc)
import Glibc
#endif

/// GNU extensions of glibc that Swift's `Glibc` module does not import, looked up once with `dlsym`.
///
/// `pipe2` and `dup3` set close-on-exec atomically, so a child spawned concurrently by another thread
/// cannot inherit a descriptor in the window between creating it and flagging it.
package enum LinuxCalls {
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private typealias Dup3 = @convention(c) (Int32, Int32, Int32) -> Int32
    private typealias SetThreadName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32

    private static let pipe2Function: Pipe2? = lookUp("pipe2")
    private static let dup3Function: Dup3? = lookUp("dup3")
    private static let setThreadNameFunction: SetThreadName? = lookUp("pthread_setname_np")

    private static func lookUp<F>(_ name: String) -> F? {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), name) else { return nil }
        return unsafeBitCast(symbol, to: F.self)
    }

    /// Creates a pipe whose two ends are close-on-exec; `nil` sets `errno`.
    package static func closeOnExecPipe() -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        if let pipe2Function {
            guard pipe2Function(&fds, O_CLOEXEC) == 0 else { return nil }
        } else {
            guard pipe(&fds) == 0 else { return nil }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        }
        return (fds[0], fds[1])
    }

    /// Makes `target` a close-on-exec duplicate of `source`.
    package static func duplicateCloseOnExec(_ source: Int32, onto target: Int32) {
        if let dup3Function {
            _ = dup3Function(source, target, O_CLOEXEC)
        } else {
            _ = dup2(source, target)
            _ = fcntl(target, F_SETFD, FD_CLOEXEC)
        }
    }

    /// Names the calling thread (shown by `top -H`, `ps -L`, debuggers); at most 15 bytes.
    package static func nameCurrentThread(_ name: String) {
        guard let setThreadNameFunction else { return }
        _ = setThreadNameFunction(pthread_self(), String(decoding: name.utf8.prefix(15), as: UTF8.self))
    }
}
