import Foundation

extension AlertEvaluator {
    /// The one-sentence summary of a transition, e.g.
    /// "Error rate 12.5% (25 of 200 calls failed) above 5% over 5 min." or
    /// "Resolved: p95 latency 310 ms (48 calls) at or below 800 ms over 5 min."
    public static func summary(_ kind: AlertTransition.Kind, rule: AlertRule, measurement: AlertMeasurement,
                               previous: AlertRuleState, now: Date) -> String {
        let clause = clause(rule, measurement)
        let sentence = switch kind {
        case .pending: "\(clause); fires if it holds for \(AlertText.duration(seconds: rule.forSeconds))"
        case .firing: clause
        case .renotify:
            "still firing after \(AlertText.duration(seconds: Int(now.timeIntervalSince(previous.since).rounded()))): \(clause)"
        case .resolved: "resolved: \(clause)"
        case .cleared: "cleared before firing: \(clause)"
        }
        return sentence.prefix(1).uppercased() + sentence.dropFirst() + "."
    }

    /// What was measured against what, over the window.
    static func clause(_ rule: AlertRule, _ m: AlertMeasurement) -> String {
        let window = AlertText.duration(seconds: rule.windowSeconds)
        func relation(_ format: (Double) -> String) -> String {
            guard let value = m.value else { return "" }
            return value > m.threshold ? "above \(format(m.threshold))" : "at or below \(format(m.threshold))"
        }
        switch rule.condition {
        case .errorRate:
            guard let value = m.value else {
                return "error rate: no calls over \(window) (threshold \(AlertText.percent(m.threshold)))"
            }
            return "error rate \(AlertText.percent(value)) (\(m.detail)) \(relation(AlertText.percent)) over \(window)"
        case let .latency(percentile, _):
            guard let value = m.value else {
                return "\(percentile.rawValue) latency: no calls over \(window) (ceiling \(AlertText.milliseconds(m.threshold)))"
            }
            return "\(percentile.rawValue) latency \(AlertText.milliseconds(value)) (\(m.detail)) \(relation(AlertText.milliseconds)) over \(window)"
        case let .throughputCollapse(belowPercent, _):
            let calls = AlertText.count(Int(m.value ?? 0), "call")
            let base = "throughput \(calls) over \(window) (\(m.detail))"
            guard belowPercent > 0 else { return base + (m.breached ? ", fell to zero" : "") }
            let below = (m.value ?? 0) < m.threshold
            return base + ", \(below ? "below" : "not below") \(AlertText.percent(belowPercent)) of that baseline"
        case .callCount:
            return "\(AlertText.count(Int(m.value ?? 0), "call")) over \(window), \(relation { AlertText.grouped(Int($0)) })"
        case .deadman:
            return m.breached ? "no traffic over \(window) (\(m.detail))" : "traffic over \(window): \(m.detail)"
        }
    }
}
