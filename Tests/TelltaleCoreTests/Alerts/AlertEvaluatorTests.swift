import Foundation
import Testing
@testable import TelltaleCore

@Suite("AlertEvaluator state machine")
struct AlertEvaluatorTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    static func rule(for forSeconds: Int = 0, renotify: Int? = nil) -> AlertRule {
        AlertRule(id: "r1", name: "errors", condition: .errorRate(abovePercent: 5, minCalls: 10, countToolErrors: true),
                  windowSeconds: 300, forSeconds: forSeconds, renotifySeconds: renotify)
    }

    static let breached = AlertMeasurement(value: 12.5, threshold: 5, breached: true, detail: "25 of 200 calls failed")
    static let fine = AlertMeasurement(value: 1, threshold: 5, breached: false, detail: "2 of 200 calls failed")
    static let noData = AlertMeasurement(value: nil, threshold: 5, breached: false, detail: "no calls")

    /// Runs measurements at the given seconds, returning every evaluation.
    static func run(_ rule: AlertRule, _ steps: [(Double, AlertMeasurement)], from start: AlertRuleState? = nil) -> [AlertEvaluation] {
        var state = start
        return steps.map { seconds, measurement in
            let result = AlertEvaluator.evaluate(rule: rule, previous: state, measurement: measurement, now: at(seconds))
            state = result.state
            return result
        }
    }

    @Test("a rule never evaluated starts ok; ok and not breached stays ok without a transition")
    func okStaysOk() {
        let result = AlertEvaluator.evaluate(rule: Self.rule(), previous: nil, measurement: Self.fine, now: Self.at(0))
        #expect(result == AlertEvaluation(state: AlertRuleState(state: .ok, since: Self.at(0), evaluatedAt: Self.at(0), value: 1,
                                                                           fingerprint: Self.rule().fingerprint), transition: nil))
        let later = AlertEvaluator.evaluate(rule: Self.rule(), previous: result.state, measurement: Self.noData, now: Self.at(15))
        #expect(later.state == AlertRuleState(state: .ok, since: Self.at(0), evaluatedAt: Self.at(15), value: nil,
                                                fingerprint: Self.rule().fingerprint))
        #expect(later.transition == nil)
    }

    @Test("with `for` 0 a breach fires at once, notified")
    func forZeroFiresAtOnce() throws {
        let result = AlertEvaluator.evaluate(rule: Self.rule(), previous: nil, measurement: Self.breached, now: Self.at(0))
        #expect(result.state == AlertRuleState(state: .firing, since: Self.at(0), evaluatedAt: Self.at(0), value: 12.5, notifiedAt: Self.at(0),
                                                     fingerprint: Self.rule().fingerprint))
        let transition = try #require(result.transition)
        #expect(transition == AlertTransition(
            ruleID: "r1", kind: .firing, from: .ok, to: .firing, at: Self.at(0), value: 12.5, threshold: 5,
            summary: "Error rate 12.5% (25 of 200 calls failed) above 5% over 5 min."))
        #expect(transition.notifies)
    }

    @Test("`for` delays firing: pending at the first breach, firing once it held for `for`, not before")
    func forDelaysFiring() {
        let results = Self.run(Self.rule(for: 60), [(0, Self.breached), (15, Self.breached), (59.9, Self.breached), (60, Self.breached), (75, Self.breached)])
        #expect(results.map(\.state.state) == [.pending, .pending, .pending, .firing, .firing])
        #expect(results.map(\.transition?.kind) == [.pending, nil, nil, .firing, nil])
        #expect(results[0].transition?.notifies == false)
        #expect(results[0].transition?.summary == "Error rate 12.5% (25 of 200 calls failed) above 5% over 5 min; fires if it holds for 1 min.")
        #expect(results[0].state.since == Self.at(0) && results[2].state.since == Self.at(0))
        #expect(results[3].transition?.from == .pending && results[3].transition?.to == .firing)
        #expect(results[3].state.since == Self.at(60) && results[3].state.notifiedAt == Self.at(60))
        #expect(results[2].state.notifiedAt == nil)
    }

    @Test("pending and no longer breached is cleared (not notified); a new breach starts the `for` again")
    func pendingCleared() {
        let results = Self.run(Self.rule(for: 60), [(0, Self.breached), (30, Self.fine), (45, Self.breached), (100, Self.breached), (105, Self.breached)])
        #expect(results.map(\.transition?.kind) == [.pending, .cleared, .pending, nil, .firing])
        let cleared = results[1].transition!
        #expect(cleared.from == .pending && cleared.to == .ok && !cleared.notifies)
        #expect(cleared.summary == "Cleared before firing: error rate 1% (2 of 200 calls failed) at or below 5% over 5 min.")
        #expect(results[1].state == AlertRuleState(state: .ok, since: Self.at(30), evaluatedAt: Self.at(30), value: 1,
                                                      fingerprint: Self.rule(for: 60).fingerprint))
        #expect(results[2].state.since == Self.at(45))
    }

    @Test("no data clears a pending rule and resolves a firing one")
    func noData() {
        let pending = Self.run(Self.rule(for: 60), [(0, Self.breached), (15, Self.noData)])
        #expect(pending.map(\.transition?.kind) == [.pending, .cleared])
        #expect(pending[1].transition?.value == nil)
        #expect(pending[1].transition?.summary == "Cleared before firing: error rate: no calls over 5 min (threshold 5%).")
        let firing = Self.run(Self.rule(), [(0, Self.breached), (15, Self.noData)])
        #expect(firing.map(\.transition?.kind) == [.firing, .resolved])
        #expect(firing[1].state.state == .ok && firing[1].state.value == nil)
        // No data never fires.
        #expect(Self.run(Self.rule(), [(0, Self.noData), (15, Self.noData)]).allSatisfy { $0.transition == nil && $0.state.state == .ok })
    }

    @Test("firing and no longer breached resolves, notified")
    func resolves() {
        let results = Self.run(Self.rule(renotify: 600), [(0, Self.breached), (120, Self.fine), (135, Self.fine)])
        #expect(results.map(\.transition?.kind) == [.firing, .resolved, nil])
        let resolved = results[1].transition!
        #expect(resolved.from == .firing && resolved.to == .ok && resolved.notifies)
        #expect(resolved.value == 1 && resolved.threshold == 5 && resolved.at == Self.at(120))
        #expect(resolved.summary == "Resolved: error rate 1% (2 of 200 calls failed) at or below 5% over 5 min.")
        #expect(results[1].state.since == Self.at(120) && results[1].state.notifiedAt == Self.at(120))
    }

    @Test("re-notification: exactly when the interval passed since the last notification, then again; never without an interval")
    func renotify() {
        let steps: [(Double, AlertMeasurement)] = [(0, Self.breached), (299, Self.breached), (300, Self.breached), (315, Self.breached),
                                                   (599, Self.breached), (600, Self.breached), (900, Self.breached)]
        let results = Self.run(Self.rule(renotify: 300), steps)
        #expect(results.map(\.transition?.kind) == [.firing, nil, .renotify, nil, nil, .renotify, .renotify])
        #expect(results.allSatisfy { $0.state.state == .firing && $0.state.since == Self.at(0) })
        #expect(results[2].state.notifiedAt == Self.at(300) && results[4].state.notifiedAt == Self.at(300))
        let again = results[5].transition!
        #expect(again.from == .firing && again.to == .firing && again.notifies)
        #expect(again.summary == "Still firing after 10 min: error rate 12.5% (25 of 200 calls failed) above 5% over 5 min.")
        // `for` > 0: the interval counts from the firing notification, not from the pending start.
        let delayed = Self.run(Self.rule(for: 60, renotify: 300), [(0, Self.breached), (60, Self.breached), (300, Self.breached), (360, Self.breached)])
        #expect(delayed.map(\.transition?.kind) == [.pending, .firing, nil, .renotify])
        #expect(Self.run(Self.rule(), steps).map(\.transition?.kind) == [.firing, nil, nil, nil, nil, nil, nil])
        #expect(Self.run(Self.rule(renotify: 0), steps).map(\.transition?.kind) == [.firing, nil, nil, nil, nil, nil, nil])
    }

    @Test("a firing state stored without notifiedAt re-notifies from its start")
    func renotifyWithoutNotifiedAt() {
        let stored = AlertRuleState(state: .firing, since: Self.at(0))
        let results = Self.run(Self.rule(renotify: 60), [(59, Self.breached), (61, Self.breached)], from: stored)
        #expect(results.map(\.transition?.kind) == [nil, .renotify])
    }

    @Test("editing a pending rule clears it (not notified); the next evaluation starts from ok under the new definition")
    func pendingRuleEdited() throws {
        let pending = Self.run(Self.rule(for: 600), [(0, Self.breached)])[0].state
        let edited = Self.rule(for: 0)
        let result = AlertEvaluator.evaluate(rule: edited, previous: pending, measurement: Self.breached, now: Self.at(15))
        let transition = try #require(result.transition)
        #expect(transition.kind == .cleared && transition.from == .pending && transition.to == .ok && !transition.notifies)
        #expect(transition.summary == "Cleared before firing: the rule was changed, so it is evaluated afresh "
            + "(error rate 12.5% (25 of 200 calls failed) above 5% over 5 min).")
        #expect(result.state == AlertRuleState(state: .ok, since: Self.at(15), evaluatedAt: Self.at(15), value: 12.5,
                                               fingerprint: edited.fingerprint))
        let next = AlertEvaluator.evaluate(rule: edited, previous: result.state, measurement: Self.breached, now: Self.at(30))
        #expect(next.transition?.kind == .firing && next.transition?.from == .ok)
    }

    @Test("editing a firing rule resolves the old alert (notified); a breach of the new definition fires anew")
    func firingRuleEdited() throws {
        let firing = Self.run(Self.rule(), [(0, Self.breached)])[0].state
        var edited = Self.rule()
        edited.condition = .errorRate(abovePercent: 10, minCalls: 10, countToolErrors: true)
        let results = Self.run(edited, [(15, Self.breached), (30, Self.breached)], from: firing)
        #expect(results.map(\.transition?.kind) == [.resolved, .firing])
        #expect(results[0].transition?.notifies == true && results[0].transition?.from == .firing)
        #expect(results[0].transition?.summary.hasPrefix("Resolved: the rule was changed") == true)
        #expect(results[1].state.since == Self.at(30) && results[1].state.notifiedAt == Self.at(30))
    }

    @Test("renaming a rule or changing its channels or re-notification keeps its firing state")
    func cosmeticEditKeepsState() {
        let firing = Self.run(Self.rule(), [(0, Self.breached)])[0].state
        var renamed = Self.rule(renotify: 3600)
        renamed.name = "errors, renamed"
        renamed.channelIDs = ["ops"]
        #expect(renamed.fingerprint == Self.rule().fingerprint)
        let result = AlertEvaluator.evaluate(rule: renamed, previous: firing, measurement: Self.breached, now: Self.at(15))
        #expect(result.transition == nil && result.state.state == .firing && result.state.since == Self.at(0))
    }

    @Test("a state stored without a fingerprint is carried over, and gets the rule's fingerprint")
    func stateWithoutFingerprint() {
        let stored = AlertRuleState(state: .firing, since: Self.at(0), notifiedAt: Self.at(0))
        let result = AlertEvaluator.evaluate(rule: Self.rule(), previous: stored, measurement: Self.breached, now: Self.at(15))
        #expect(result.transition == nil && result.state.state == .firing && result.state.fingerprint == Self.rule().fingerprint)
    }

    @Test("closing a disabled rule: firing → resolved (notified), pending → cleared, ok → nothing")
    func disabledRuleClosed() throws {
        let firing = Self.run(Self.rule(), [(0, Self.breached)])[0].state
        let resolved = try #require(AlertEvaluator.close(rule: Self.rule(), previous: firing, measurement: Self.breached,
                                                         now: Self.at(20), because: .disabled))
        #expect(resolved.transition?.kind == .resolved && resolved.transition?.notifies == true)
        #expect(resolved.transition?.summary == "Resolved: the rule was disabled "
            + "(error rate 12.5% (25 of 200 calls failed) above 5% over 5 min).")
        #expect(resolved.state.state == .ok && resolved.state.since == Self.at(20))
        let pending = Self.run(Self.rule(for: 60), [(0, Self.breached)])[0].state
        let cleared = try #require(AlertEvaluator.close(rule: Self.rule(for: 60), previous: pending, measurement: Self.fine,
                                                        now: Self.at(20), because: .disabled))
        #expect(cleared.transition?.kind == .cleared && cleared.transition?.notifies == false)
        let ok = AlertRuleState(state: .ok, since: Self.at(0))
        #expect(AlertEvaluator.close(rule: Self.rule(), previous: ok, measurement: Self.fine, now: Self.at(20), because: .disabled) == nil)
    }

    @Test("a pending breach restarts its `for` after a gap longer than maxGap, not after a shorter one")
    func pendingRestartsAfterAGap() {
        let pending = Self.run(Self.rule(for: 120), [(0, Self.breached)])[0].state
        let afterGap = AlertEvaluator.evaluate(rule: Self.rule(for: 120), previous: pending, measurement: Self.breached,
                                               now: Self.at(600), maxGap: 60)
        #expect(afterGap.transition == nil && afterGap.state.state == .pending && afterGap.state.since == Self.at(600))
        let withinGap = AlertEvaluator.evaluate(rule: Self.rule(for: 120), previous: pending, measurement: Self.breached,
                                                now: Self.at(150), maxGap: 200)
        #expect(withinGap.transition?.kind == .firing)
    }
}
