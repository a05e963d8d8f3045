import Synchronization

/// Sends each kind of log line to the configured sink at most once per ``Telltale`` instance.
final class OnceReporter: Sendable {
    /// The kinds of line Telltale writes.
    enum Kind: Hashable, Sendable {
        case disabled
        case lateAttach
        case notUnderstood
        case internalError
        case beforeSendFailed
        case queueFull
    }

    private let sink: @Sendable (String) -> Void
    private let reported = Mutex(Set<Kind>())

    init(sink: @escaping @Sendable (String) -> Void) {
        self.sink = sink
    }

    /// Writes `message` (prefixed `telltale: `) unless a line of `kind` was written before.
    func report(_ kind: Kind, _ message: @autoclosure () -> String) {
        let isNew = reported.withLock { $0.insert(kind).inserted }
        if isNew { sink("telltale: " + message()) }
    }
}
