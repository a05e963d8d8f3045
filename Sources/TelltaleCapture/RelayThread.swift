#if canImport(Glibc)
import Glibc
#endif

/// Starts plain detached POSIX threads: the relay's hot path runs on its own threads, never on
/// the Swift concurrency pool, so no task or queue hop sits between a read and its write.
package enum RelayThread {
    /// Boxes the closure so it can travel through `pthread_create`'s context pointer.
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Runs `body` on a new detached thread named `name` (at most 15 characters are kept).
    package static func start(name: String, _ body: @escaping @Sendable () -> Void) -> Bool {
        let threadName = String(name.prefix(15))
        let context = Unmanaged.passRetained(Body {
            LinuxCalls.nameCurrentThread(threadName)
            body()
        }).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attributes, 8 << 20)  // observers parse JSON on these threads
        var thread = pthread_t()
        let result = pthread_create(&thread, &attributes, { context in
            let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
            body.run()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return false
        }
        return true
    }
}
