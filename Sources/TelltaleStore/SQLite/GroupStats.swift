import Foundation
import TelltaleCore

/// Running totals of one group of records (a target, a client, a server) while rows stream by.
struct GroupStats {
    /// Requests (notifications and pollution records are not calls).
    var calls = 0
    /// Requests with any outcome but `ok`.
    var errors = 0
    var toolErrors = 0
    /// Durations of the requests, for exact percentiles.
    var durations: [Int64] = []
    var sessions: Set<String> = []
    var firstSeen = Int64.max
    var lastSeen = Int64.min

    /// Counts one record of the group.
    mutating func add(kind: String, outcome: String, durationNs: Int64, startedAt: Int64, session: String? = nil) {
        if kind == CallKind.request.rawValue {
            calls += 1
            durations.append(durationNs)
            if outcome != CallOutcome.ok.rawValue { errors += 1 }
            if outcome == CallOutcome.toolError.rawValue { toolErrors += 1 }
        }
        if let session { sessions.insert(session) }
        firstSeen = min(firstSeen, startedAt)
        lastSeen = max(lastSeen, startedAt)
    }

    var errorRate: Double { calls == 0 ? 0 : Double(errors) / Double(calls) }

    /// Exact percentiles of the durations (sorts them).
    mutating func latency() -> LatencyStats { Percentiles.latency(sortingInPlace: &durations) }

    var firstSeenDate: Date? { firstSeen == .max ? nil : CallRow.date(microseconds: firstSeen) }
    var lastSeenDate: Date? { lastSeen == .min ? nil : CallRow.date(microseconds: lastSeen) }
}
