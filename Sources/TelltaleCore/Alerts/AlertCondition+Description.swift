extension AlertCondition {
    /// The condition in words, as notifications and the dashboard show it: `p95 latency above 800 ms`,
    /// `error rate above 5% (at least 10 calls, tool errors count)`, `calls fell to zero (baseline at least 10 calls)`.
    public var text: String {
        switch self {
        case let .errorRate(abovePercent, minCalls, countToolErrors):
            "error rate above \(AlertText.number(abovePercent, decimals: 2))% (at least \(AlertText.count(minCalls, "call"))"
                + "\(countToolErrors ? ", tool errors count" : ""))"
        case let .latency(percentile, aboveMs):
            "\(percentile.rawValue) latency above \(AlertText.number(aboveMs, decimals: 2)) ms"
        case let .throughputCollapse(belowPercent, minBaselineCalls):
            (belowPercent == 0 ? "calls fell to zero" : "calls below \(AlertText.number(belowPercent, decimals: 2))% of the preceding window")
                + " (baseline at least \(AlertText.count(minBaselineCalls, "call")))"
        case let .callCount(above):
            "more than \(AlertText.count(above, "call"))"
        case .deadman:
            "no traffic at all"
        }
    }
}
