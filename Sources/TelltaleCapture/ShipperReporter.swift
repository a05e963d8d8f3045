import Synchronization

/// The kinds of problem the shipper tells the user about, each at most once per shipper.
enum ShipperProblem: Hashable, Sendable {
    /// Network error, 5xx or 429: calls go to the spool.
    case unreachable
    /// The collector answers again after ``unreachable`` was reported.
    case recovered
    /// A 4xx other than 408/429: batches are dropped.
    case refused
    /// The collector accepted a batch but rejected some of its lines.
    case rejectedLines
    /// A spool file could not be written or read.
    case spoolIO
    /// The spool is full: the oldest spooled calls were deleted.
    case spoolFull
    /// The in-memory queue and the spool were both unavailable: calls were dropped.
    case dropped
}

/// Sends each kind of problem to the configured `report` closure at most once.
final class ShipperReporter: Sendable {
    private let sink: @Sendable (String) -> Void
    /// Kinds already reported.
    private let reported = Mutex(Set<ShipperProblem>())

    init(sink: @escaping @Sendable (String) -> Void) {
        self.sink = sink
    }

    /// Reports `message` unless `kind` was reported before; "reachable again" only after "unreachable".
    func report(_ kind: ShipperProblem, _ message: @autoclosure () -> String) {
        let isNew = reported.withLock { reported -> Bool in
            if kind == .recovered, !reported.contains(.unreachable) { return false }
            return reported.insert(kind).inserted
        }
        if isNew { sink("telltale: " + message()) }
    }
}
