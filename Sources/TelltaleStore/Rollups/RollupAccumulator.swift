import Foundation
import TelltaleCore

/// Counts, first/last seen and the latency sketch of a group of records, in the shape of a rollup row.
struct RollupAccumulator {
    /// Requests.
    var calls: Int64 = 0
    /// Requests per outcome, in `CallOutcome.allCases` order.
    var outcomes: (Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0)
    var notifications: Int64 = 0
    /// Microseconds; `.max` when empty.
    var firstSeen = Int64.max
    /// Microseconds; `.min` when empty.
    var lastSeen = Int64.min
    /// Request durations in nanoseconds.
    var sketch = LatencySketch()

    /// Counts one request.
    mutating func addRequest(outcome: CallOutcome, durationNs: Int64, startedAt: Int64, latency: Bool = true) {
        calls += 1
        switch outcome {
        case .ok: outcomes.0 += 1
        case .toolError: outcomes.1 += 1
        case .error: outcomes.2 += 1
        case .cancelled: outcomes.3 += 1
        case .noResponse: outcomes.4 += 1
        }
        if latency { sketch.add(durationNs) }
        seen(startedAt)
    }

    /// Counts one notification.
    mutating func addNotification(startedAt: Int64) {
        notifications += 1
        seen(startedAt)
    }

    @inline(__always)
    mutating func seen(_ micros: Int64) {
        if micros < firstSeen { firstSeen = micros }
        if micros > lastSeen { lastSeen = micros }
    }

    /// Adds another group's counts and sketch.
    mutating func merge(_ other: RollupAccumulator) {
        addCounts(calls: other.calls, outcomes: other.outcomes, notifications: other.notifications,
                  firstSeen: other.firstSeen, lastSeen: other.lastSeen)
        sketch.merge(other.sketch)
    }

    /// Adds counts read from a rollup row.
    @inline(__always)
    mutating func addCounts(calls: Int64, outcomes other: (Int64, Int64, Int64, Int64, Int64), notifications: Int64,
                            firstSeen: Int64, lastSeen: Int64) {
        self.calls += calls
        outcomes.0 += other.0
        outcomes.1 += other.1
        outcomes.2 += other.2
        outcomes.3 += other.3
        outcomes.4 += other.4
        self.notifications += notifications
        if firstSeen < self.firstSeen { self.firstSeen = firstSeen }
        if lastSeen > self.lastSeen { self.lastSeen = lastSeen }
    }

    /// Requests whose outcome is not `ok`.
    var errors: Int { Int(calls - outcomes.0) }
    var toolErrors: Int { Int(outcomes.1) }
    var errorRate: Double { calls == 0 ? 0 : Double(errors) / Double(calls) }

    /// Count per outcome name, every key present.
    var outcomeCounts: [String: Int] {
        [
            CallOutcome.ok.rawValue: Int(outcomes.0), CallOutcome.toolError.rawValue: Int(outcomes.1),
            CallOutcome.error.rawValue: Int(outcomes.2), CallOutcome.cancelled.rawValue: Int(outcomes.3),
            CallOutcome.noResponse.rawValue: Int(outcomes.4),
        ]
    }

    /// p50/p95/p99 in milliseconds from the sketch; nil when there are no requests.
    ///
    /// Nearest rank, as the exact percentiles the store computed before rollups: the p-th percentile of n
    /// durations is the one at rank ⌈p/100 · n⌉. The sketch answers within 1% of that duration.
    var latency: LatencyStats {
        guard sketch.count > 0 else { return LatencyStats() }
        return LatencyStats(p50Ms: nearestRank(50), p95Ms: nearestRank(95), p99Ms: nearestRank(99))
    }

    /// The sketch's estimate of the nearest-rank percentile, in milliseconds.
    func nearestRank(_ percentile: Int) -> Double? {
        let n = Int(sketch.count)
        guard n > 0 else { return nil }
        guard n > 1 else { return sketch.quantile(1).map { $0 / 1_000_000 } }
        let rank = (percentile * n + 99) / 100
        // The sketch returns the value at 0-based position ⌊q · (n − 1)⌋: aim at the middle of position rank − 1.
        let q = Swift.min(1, (Double(max(rank, 1) - 1) + 0.5) / Double(n - 1))
        return sketch.quantile(q).map { $0 / 1_000_000 }
    }

    var firstSeenDate: Date? { firstSeen == .max ? nil : CallRow.date(microseconds: firstSeen) }
    var lastSeenDate: Date? { lastSeen == .min ? nil : CallRow.date(microseconds: lastSeen) }
}
