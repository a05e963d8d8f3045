import TelltaleCore

/// Everything a ``ShipperEngine`` shares between `submit`, `flush`, `shutdown` and its loop.
/// Only ever accessed inside `ShipperEngine.state.withLock`.
struct ShipperState: Sendable {
    /// Calls waiting to be sent, oldest first.
    var queue: [Call] = []
    /// When each `submit` chunk still (partly) in the queue arrived, oldest first, with its remaining size.
    var arrivals: [(at: ContinuousClock.Instant, count: Int)] = []
    /// Rough NDJSON size of the queued calls (see ``estimatedLineBytes(_:)``), for the byte trigger.
    var queuedBytesEstimate = 0
    /// Calls the loop took from the queue and has not finished with (sent, spooled or dropped), by entry id.
    var inFlight: [Int: InFlightEntry] = [:]
    var nextEntryID = 0
    var stats = ShipperStats()
    /// Set by `shutdown`; the loop exits and `submit` drops.
    var stopping = false
    /// The loop has exited.
    var loopFinished = false
    /// This process wrote a spool file that the loop has not looked at yet.
    var spoolDirty = false

    /// The loop, while it waits for work.
    var loopWaiter: (id: Int, continuation: CheckedContinuation<Void, Never>)?
    /// A wake came while the loop was not waiting.
    var wakePending = false
    /// The id of the last loop wait whose timer fired before it registered.
    var expiredLoopWait: Int?
    /// Flushes waiting for the queue to empty.
    var idleWaiters: [Int: IdleWaiter] = [:]
    var nextWaiterID = 0

    /// Calls that overflowed the queue and a background task is writing to the spool.
    var spillingCalls = 0

    /// Nothing queued, nothing in flight, nothing being spilled.
    var isIdle: Bool { queue.isEmpty && inFlight.isEmpty && spillingCalls == 0 }

    /// When the oldest queued call arrived.
    var oldestArrival: ContinuousClock.Instant? { arrivals.first?.at }

    /// Whether the loop should take a batch now: a full batch, the oldest call waited long enough,
    /// a flush is waiting, or the shipper is stopping.
    func isQueueReady(now: ContinuousClock.Instant, maxBatchCalls: Int, maxBatchBytes: Int, maxBatchDelay: Duration) -> Bool {
        guard !queue.isEmpty else { return false }
        if queue.count >= maxBatchCalls || queuedBytesEstimate >= maxBatchBytes || !idleWaiters.isEmpty || stopping {
            return true
        }
        guard let oldest = oldestArrival else { return true }
        return now >= oldest.advanced(by: maxBatchDelay)
    }

    mutating func append(_ calls: [Call], at instant: ContinuousClock.Instant) {
        queue.append(contentsOf: calls)
        arrivals.append((instant, calls.count))
        queuedBytesEstimate += calls.reduce(0) { $0 + Self.estimatedLineBytes($1) }
    }

    /// A cheap guess of a call's NDJSON line length: fixed fields plus strings plus payload wire sizes
    /// (payloads are size-capped by capture, so each counts at most 64 KiB). Only decides when to wake
    /// the loop; the real limit is applied on the encoded bytes.
    static func estimatedLineBytes(_ call: Call) -> Int {
        var size = 400 + call.id.utf8.count + call.method.utf8.count + call.session.utf8.count
        size += (call.target?.utf8.count ?? 0) + (call.errorMessage?.utf8.count ?? 0)
        for (key, value) in call.tags { size += key.utf8.count + value.utf8.count + 6 }
        if call.request != nil { size += min(call.requestBytes, 64 << 10) }
        if call.response != nil { size += min(call.responseBytes, 64 << 10) }
        return size
    }

    /// Removes and returns the `count` oldest queued calls.
    mutating func removeFirst(_ count: Int) -> [Call] {
        let count = min(count, queue.count)
        guard count > 0 else { return [] }
        let taken = Array(queue.prefix(count))
        queue.removeFirst(count)
        queuedBytesEstimate = queue.isEmpty ? 0 : max(0, queuedBytesEstimate - taken.reduce(0) { $0 + Self.estimatedLineBytes($1) })
        var left = count
        var whole = 0
        while whole < arrivals.count, arrivals[whole].count <= left {
            left -= arrivals[whole].count
            whole += 1
        }
        arrivals.removeFirst(whole)
        if left > 0, !arrivals.isEmpty { arrivals[0].count -= left }
        return taken
    }

    /// Registers calls the loop took as one in-flight entry; returns its id.
    mutating func addInFlight(_ calls: [Call]) -> Int {
        nextEntryID += 1
        inFlight[nextEntryID] = InFlightEntry(calls: calls)
        return nextEntryID
    }
}

/// Calls the loop is sending.
struct InFlightEntry: Sendable {
    var calls: [Call]
    /// A flush timeout (or shutdown) took responsibility for spooling these calls.
    var claimedForSpool = false
    /// Where the flush timeout spooled them (deleted again if the send succeeds after all).
    var spooledAs: [SpoolFile] = []
}

/// One `flush` waiting for idleness.
enum IdleWaiter: Sendable {
    /// Registered, continuation not yet installed.
    case pending
    /// Its timeout fired before the continuation was installed.
    case expired
    case waiting(CheckedContinuation<Bool, Never>)
}
