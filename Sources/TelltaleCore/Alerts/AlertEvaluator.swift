import Foundation

/// The state machine of alert rules: from a rule, its previous state and what was just measured, the new
/// state and the transition (if any) with its one-sentence summary. Pure: no clock, no I/O.
///
/// - ok, breached: `for` 0 → firing (notified); otherwise → pending.
/// - pending, breached for at least `for` since it began → firing (notified); breached for less → stays.
/// - pending, not breached → ok (`cleared`, not notified).
/// - firing, not breached → ok (`resolved`, notified).
/// - firing, breached, `renotifySeconds` passed since the last notification → stays firing (`renotify`, notified).
/// No data is "not breached": it never fires a rule and resolves a firing one.
///
/// A rule edited (its ``AlertRule/fingerprint`` changed) or disabled while pending or firing is closed first —
/// `resolved` (notified) or `cleared` — and starts again from ok, so an old incident is never carried into a
/// new definition and re-enabling a rule announces a breach afresh.
///
/// A pending breach whose last evaluation is more than `maxGap` ago (the server was down, the store failing)
/// starts its `for` again at `now`: `for` counts a breach seen to hold, and nothing was seen in the gap.
public enum AlertEvaluator {
    /// Evaluates `rule` at `now`; `previous` nil is a rule never evaluated (ok since `now`).
    public static func evaluate(rule: AlertRule, previous: AlertRuleState?, measurement: AlertMeasurement, now: Date,
                                maxGap: TimeInterval = .infinity) -> AlertEvaluation {
        var stored = previous
        if var pending = stored, pending.state == .pending, let last = pending.evaluatedAt,
           now.timeIntervalSince(last) > maxGap {
            pending.since = now
            stored = pending
        }
        let fingerprint = rule.fingerprint
        if let stored, let old = stored.fingerprint, old != fingerprint,
           let closed = close(rule: rule, previous: stored, measurement: measurement, now: now, because: .changed) {
            return closed
        }
        let previous = stored ?? AlertRuleState(state: .ok, since: now)
        var state = previous
        state.evaluatedAt = now
        state.value = measurement.value
        state.fingerprint = fingerprint
        func change(_ kind: AlertTransition.Kind, to newState: AlertState) -> AlertEvaluation {
            let transition = AlertTransition(
                ruleID: rule.id, kind: kind, from: previous.state, to: newState, at: now, value: measurement.value,
                threshold: measurement.threshold, summary: summary(kind, rule: rule, measurement: measurement, previous: previous, now: now))
            if newState != previous.state { state.since = now }
            state.state = newState
            if transition.notifies { state.notifiedAt = now }
            return AlertEvaluation(state: state, transition: transition)
        }
        switch (previous.state, measurement.breached) {
        case (.ok, false):
            return AlertEvaluation(state: state, transition: nil)
        case (.ok, true):
            return rule.forSeconds <= 0 ? change(.firing, to: .firing) : change(.pending, to: .pending)
        case (.pending, true):
            let held = now.timeIntervalSince(previous.since)
            return held >= Double(rule.forSeconds) ? change(.firing, to: .firing) : AlertEvaluation(state: state, transition: nil)
        case (.pending, false):
            return change(.cleared, to: .ok)
        case (.firing, false):
            return change(.resolved, to: .ok)
        case (.firing, true):
            guard let interval = rule.renotifySeconds, interval > 0,
                  now.timeIntervalSince(previous.notifiedAt ?? previous.since) >= Double(interval) else {
                return AlertEvaluation(state: state, transition: nil)
            }
            return change(.renotify, to: .firing)
        }
    }
}
