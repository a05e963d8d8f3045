/// What makes an alert rule breach, measured over the rule's window.
public enum AlertCondition: Codable, Sendable, Equatable, Hashable {
    /// Failed requests / requests above `abovePercent`, once the window has at least `minCalls` requests.
    /// With `countToolErrors` false, `toolError` outcomes count as successes.
    case errorRate(abovePercent: Double, minCalls: Int, countToolErrors: Bool)
    /// A latency percentile above a ceiling in milliseconds (needs at least one request in the window).
    case latency(percentile: LatencyPercentile, aboveMs: Double)
    /// Requests in the window below `belowPercent` of the preceding window of the same length (0: fell
    /// to zero), while that baseline had at least `minBaselineCalls`.
    case throughputCollapse(belowPercent: Double, minBaselineCalls: Int)
    /// Requests in the window above `above` (e.g. `delete_file` more than 20 times in an hour).
    case callCount(above: Int)
    /// No traffic at all (requests or notifications) in the window; meant for a client or server scope.
    case deadman
}

/// A latency percentile an alert can watch.
public enum LatencyPercentile: String, Codable, Sendable, CaseIterable {
    case p50, p95, p99
}
