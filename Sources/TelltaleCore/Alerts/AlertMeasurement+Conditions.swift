extension AlertMeasurement {
    /// Measures `condition` on the counts of its window.
    ///
    /// - error rate: failed / requests in percent (tool errors count only with `countToolErrors`); not breached
    ///   below `minCalls` requests (no data without requests).
    /// - latency: the percentile in ms; no data (not breached) without requests.
    /// - throughput collapse: requests vs `baselineRequests` (the preceding window); breached when the baseline
    ///   has at least `minBaselineCalls` and the requests are below `belowPercent` of it (0: none at all).
    /// - call count: requests above `above`.
    /// - deadman: requests + notifications, breached at zero.
    public static func measure(_ condition: AlertCondition, _ counts: AlertWindowCounts) -> AlertMeasurement {
        switch condition {
        case let .errorRate(abovePercent, minCalls, countToolErrors):
            let failed = countToolErrors ? counts.failed : counts.failed - counts.toolErrors
            guard counts.requests > 0 else {
                return AlertMeasurement(value: nil, threshold: abovePercent, breached: false, detail: "no calls")
            }
            let rate = Double(failed) / Double(counts.requests) * 100
            let enough = counts.requests >= max(minCalls, 1)
            let detail = "\(failed) of \(AlertText.count(counts.requests, "call")) failed"
                + (enough ? "" : ", fewer than the \(minCalls) needed")
            return AlertMeasurement(value: rate, threshold: abovePercent, breached: enough && rate > abovePercent, detail: detail)
        case let .latency(percentile, aboveMs):
            let value: Double? = switch percentile {
            case .p50: counts.p50Ms
            case .p95: counts.p95Ms
            case .p99: counts.p99Ms
            }
            guard counts.requests > 0, let value else {
                return AlertMeasurement(value: nil, threshold: aboveMs, breached: false, detail: "no calls")
            }
            return AlertMeasurement(value: value, threshold: aboveMs, breached: value > aboveMs,
                                    detail: AlertText.count(counts.requests, "call"))
        case let .throughputCollapse(belowPercent, minBaselineCalls):
            let baseline = counts.baselineRequests ?? 0
            let threshold = Double(baseline) * belowPercent / 100
            let current = Double(counts.requests)
            let collapsed = belowPercent <= 0 ? counts.requests == 0 : current < threshold
            let enough = baseline >= minBaselineCalls
            let detail = "\(AlertText.count(baseline, "call")) in the preceding window"
                + (enough ? "" : ", fewer than the \(minBaselineCalls) needed")
            return AlertMeasurement(value: current, threshold: threshold, breached: enough && collapsed, detail: detail)
        case let .callCount(above):
            return AlertMeasurement(value: Double(counts.requests), threshold: Double(above),
                                    breached: counts.requests > above, detail: AlertText.count(counts.requests, "call"))
        case .deadman:
            let total = counts.requests + counts.notifications
            return AlertMeasurement(value: Double(total), threshold: 0, breached: total == 0,
                                    detail: "\(AlertText.count(counts.requests, "request")) and \(AlertText.count(counts.notifications, "notification"))")
        }
    }
}
