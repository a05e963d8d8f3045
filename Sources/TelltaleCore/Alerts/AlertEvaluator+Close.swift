import Foundation

extension AlertEvaluator {
    /// Why a pending or firing state is closed without its condition clearing.
    public enum CloseReason: Sendable, Equatable {
        /// The rule's scope, condition, window or `for` changed.
        case changed
        /// The rule was disabled.
        case disabled
    }

    /// Closes a pending or firing state: firing → `resolved` (notified), pending → `cleared`; the new state is
    /// ok since `now`, with the rule's current fingerprint. Nil when `previous` is already ok.
    public static func close(rule: AlertRule, previous: AlertRuleState, measurement: AlertMeasurement, now: Date,
                             because reason: CloseReason) -> AlertEvaluation? {
        guard previous.state != .ok else { return nil }
        let kind: AlertTransition.Kind = previous.state == .firing ? .resolved : .cleared
        let cause = switch reason {
        case .changed: "the rule was changed, so it is evaluated afresh"
        case .disabled: "the rule was disabled"
        }
        let lead = kind == .resolved ? "Resolved" : "Cleared before firing"
        let transition = AlertTransition(
            ruleID: rule.id, kind: kind, from: previous.state, to: .ok, at: now, value: measurement.value,
            threshold: measurement.threshold, summary: "\(lead): \(cause) (\(clause(rule, measurement))).")
        let state = AlertRuleState(state: .ok, since: now, evaluatedAt: now, value: measurement.value,
                                   notifiedAt: previous.notifiedAt, fingerprint: rule.fingerprint)
        return AlertEvaluation(state: state, transition: transition)
    }
}
