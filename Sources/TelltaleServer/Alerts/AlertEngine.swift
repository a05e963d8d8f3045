import Foundation
import Logging
import ServiceLifecycle
import TelltaleCore
import TelltaleStore

/// Evaluates every enabled alert rule of every project on a schedule, stores states and transitions, and
/// hands notified transitions to delivery.
///
/// Each evaluation reads the rollups through ``CallStore/summary(_:)`` over `[now − window, now)` with the
/// rule's scope as filters (throughput collapse also reads the preceding window), measures the condition
/// (``AlertMeasurement``), runs the state machine (``AlertEvaluator``) and records the result
/// (``AlertStore/recordAlertEvaluation(project:ruleID:state:transition:)``). A `firing`, `resolved` or
/// `renotify` transition becomes one ``AlertNotification`` per channel of the rule, passed to
/// ``AlertDispatching/dispatch(_:to:project:)`` (which queues and returns; evaluation never waits on delivery).
/// A rule that fails (a store error) is logged and skipped; the others are evaluated as usual.
package final class AlertEngine: Service, Sendable {
    package typealias Store = CallStore & AlertStore

    let store: any Store
    let dispatcher: any AlertDispatching
    let configuration: AlertEngineConfiguration
    let logger: Logger
    let now: @Sendable () -> Date

    /// An engine over `store`, notifying through `dispatcher`.
    /// - Parameter now: the current time (injectable for tests).
    package init(store: any Store, dispatcher: any AlertDispatching, configuration: AlertEngineConfiguration,
                 logger: Logger = Logger(label: "telltale.alerts"), now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.dispatcher = dispatcher
        self.configuration = configuration
        self.logger = logger
        self.now = now
    }

    /// Evaluates every rule each ``AlertEngineConfiguration/interval`` until cancelled or shut down gracefully.
    package func run() async throws {
        let clock = ContinuousClock()
        var next = clock.now
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let tick = await evaluateOnce(now: now())
            if !tick.transitions.isEmpty || !tick.failures.isEmpty {
                logger.debug("alert rules evaluated", metadata: [
                    "rules": "\(tick.evaluated.count)", "transitions": "\(tick.transitions.count)",
                    "failures": "\(tick.failures.count)",
                ])
            }
            next = next.advanced(by: configuration.interval)
            // After a long evaluation, start the next one at once rather than catching up on missed ticks.
            if next < clock.now { next = clock.now }
            let deadline = next
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(until: deadline, clock: clock) }
            } catch {
                return
            }
        }
    }

    /// Evaluates every enabled rule of every project once, at `now`.
    @discardableResult
    package func evaluateOnce(now: Date) async -> AlertTick {
        var tick = AlertTick()
        let projects: [Project]
        do {
            projects = try await store.projects()
        } catch {
            logger.error("alert evaluation cannot list projects", metadata: ["error": "\(error)"])
            return tick
        }
        for project in projects {
            await evaluate(project: project, now: now, into: &tick)
        }
        return tick
    }

    /// Evaluates the enabled rules of one project, and closes the open alerts of disabled ones.
    private func evaluate(project: Project, now: Date, into tick: inout AlertTick) async {
        let rules: [AlertRule], states: [String: AlertRuleState], channels: [String: AlertChannel]
        do {
            let all = try await store.alertRules(project: project.id)
            guard !all.isEmpty else { return }
            states = try await store.alertStates(project: project.id)
            // A disabled rule is not evaluated, but a pending or firing state it left is closed once.
            rules = all.filter { $0.enabled || (states[$0.id].map { $0.state != .ok } ?? false) }
            channels = Dictionary(try await store.alertChannels(project: project.id).map { ($0.id, $0) },
                                  uniquingKeysWith: { first, _ in first })
        } catch {
            logger.error("alert evaluation cannot read the rules of a project",
                         metadata: ["project": "\(project.name)", "error": "\(error)"])
            return
        }
        for rule in rules {
            let key = AlertTick.ProjectRule(project: project.id, rule: rule.id)
            tick.evaluated.append(key)
            do {
                let counts = try await measure(rule, project: project.id, now: now)
                let measurement = AlertMeasurement.measure(rule.condition, counts)
                let evaluation: AlertEvaluation
                if rule.enabled {
                    evaluation = AlertEvaluator.evaluate(rule: rule, previous: states[rule.id], measurement: measurement,
                                                         now: now, maxGap: maxEvaluationGap)
                } else if let previous = states[rule.id],
                          let closed = AlertEvaluator.close(rule: rule, previous: previous, measurement: measurement, now: now,
                                                            because: .disabled) {
                    evaluation = closed
                } else {
                    continue
                }
                try await store.recordAlertEvaluation(
                    project: project.id, ruleID: rule.id, state: evaluation.state, transition: evaluation.transition)
                guard let transition = evaluation.transition else { continue }
                tick.transitions.append(transition)
                logger.info("alert rule \(transition.kind.rawValue)", metadata: [
                    "project": "\(project.name)", "rule": "\(rule.name)", "summary": "\(transition.summary)",
                ])
                if transition.notifies {
                    await notify(rule, transition, project: project, channels: channels)
                }
            } catch {
                tick.failures[key] = "\(error)"
                logger.error("alert rule evaluation failed", metadata: [
                    "project": "\(project.name)", "rule": "\(rule.name)", "error": "\(error)",
                ])
            }
        }
    }

    /// The longest pause between evaluations a pending breach survives: 3 intervals, at least 60 s.
    var maxEvaluationGap: TimeInterval {
        max(3 * configuration.interval.secondsValue, 60)
    }
}
