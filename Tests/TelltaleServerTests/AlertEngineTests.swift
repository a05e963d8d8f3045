import Foundation
import GRDB
import Logging
import ServiceLifecycle
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

@Suite("AlertEngine: rules evaluated from the rollups of a real store", .timeLimit(.minutes(2)))
struct AlertEngineTests {
    typealias H = AlertEngineHarness

    @Test("error rate fires above the threshold (tool errors counted only when asked) and resolves")
    func errorRate() async throws {
        let h = try await H()
        try await h.rule("errors", .errorRate(abovePercent: 10, minCalls: 5, countToolErrors: false), scope: AlertScope(tool: "search"))
        try await h.rule("tool errors ignored", .errorRate(abovePercent: 10, minCalls: 5, countToolErrors: false), scope: AlertScope(tool: "lookup"))
        try await h.rule("tool errors counted", .errorRate(abovePercent: 10, minCalls: 5, countToolErrors: true), scope: AlertScope(tool: "lookup"))
        try await h.rule("too few calls", .errorRate(abovePercent: 10, minCalls: 50, countToolErrors: true), scope: AlertScope(tool: "search"))
        try await h.traffic(8, from: -250, to: -100, tool: "search")
        try await h.traffic(2, from: -90, to: -10, tool: "search", outcome: .error)
        try await h.traffic(5, from: -250, to: -10, tool: "lookup")
        try await h.traffic(5, from: -250, to: -10, tool: "lookup", outcome: .toolError)
        // Outside the window: ignored.
        try await h.traffic(20, from: -900, to: -301, tool: "search", outcome: .error)

        let first = try await h.tick(0)
        #expect(first.kinds == ["errors": .firing, "tool errors counted": .firing])
        let firing = try #require(first.sent.first { $0.notification.rule.name == "errors" })
        #expect(firing.notification.transition.value == 20 && firing.notification.transition.threshold == 10)
        #expect(firing.notification.transition.summary == "Error rate 20% (2 of 10 calls failed) above 10% over 5 min.")
        #expect(first.sent.count == 2)

        // Five minutes later the window holds only healthy calls.
        try await h.traffic(10, from: 60, to: 290, tool: "search")
        let later = try await h.tick(300)
        #expect(later.kinds == ["errors": .resolved, "tool errors counted": .resolved])
        #expect(later.sent.map(\.notification.transition.kind) == [.resolved, .resolved])
        let history = try await h.store.alertHistory(project: h.project, ruleID: "id-errors", limit: 10)
        #expect(history.map(\.kind) == [.resolved, .firing])
        #expect(history[0].summary == "Resolved: error rate 0% (0 of 10 calls failed) at or below 10% over 5 min.")
    }

    @Test("latency percentile above its ceiling fires, and resolves when calls are fast again")
    func latency() async throws {
        let h = try await H()
        try await h.rule("slow p95", .latency(percentile: .p95, aboveMs: 200), scope: AlertScope(tool: "report"))
        try await h.rule("p50 fine", .latency(percentile: .p50, aboveMs: 200), scope: AlertScope(tool: "report"))
        try await h.traffic(15, from: -280, to: -5, tool: "report", ms: 20)
        try await h.traffic(5, from: -280, to: -5, tool: "report", ms: 900)
        try await h.traffic(30, from: -280, to: -5, tool: "other", ms: 5000)
        let first = try await h.tick(0)
        #expect(first.kinds == ["slow p95": .firing])
        let value = try #require(first.sent.first?.notification.transition.value)
        #expect(abs(value - 900) <= 9, "p95 from the sketch: \(value)")
        try await h.traffic(20, from: 10, to: 290, tool: "report", ms: 20)
        #expect(try await h.tick(300).kinds == ["slow p95": .resolved])
        #expect(try await h.store.alertStates(project: h.project)["id-p50 fine"]?.state == .ok)
    }

    @Test("throughput collapse compares with the preceding window and needs a baseline")
    func throughputCollapse() async throws {
        let h = try await H()
        try await h.rule("collapse", .throughputCollapse(belowPercent: 50, minBaselineCalls: 20))
        try await h.rule("to zero", .throughputCollapse(belowPercent: 0, minBaselineCalls: 20))
        try await h.traffic(40, from: -600, to: -301)
        try await h.traffic(5, from: -300, to: -1)
        let first = try await h.tick(0)
        #expect(first.kinds == ["collapse": .firing])
        #expect(first.sent.first?.notification.transition.threshold == 20)
        #expect(first.sent.first?.notification.transition.value == 5)
        // Next window: no calls at all, but the baseline (5 calls) is too small to judge: both ok.
        let next = try await h.tick(300)
        #expect(next.kinds == ["collapse": .resolved])
        // A busy window, then silence: falls to zero.
        try await h.traffic(30, from: 300, to: 599)
        #expect(try await h.tick(600).kinds.isEmpty)
        #expect(try await h.tick(900).kinds == ["collapse": .firing, "to zero": .firing])
    }

    @Test("call count above N fires (delete_file more than 20 times in an hour) and resolves once the hour passed")
    func callCount() async throws {
        let h = try await H()
        try await h.rule("deletes", .callCount(above: 20), scope: AlertScope(tool: "delete_file"), window: 3600)
        try await h.traffic(20, from: -3500, to: -10, tool: "delete_file")
        try await h.traffic(50, from: -3500, to: -10, tool: "read_file")
        #expect(try await h.tick(0).kinds.isEmpty)
        try await h.traffic(1, from: -5, to: -4, tool: "delete_file")
        let fired = try await h.tick(15)
        #expect(fired.kinds == ["deletes": .firing])
        #expect(fired.sent.first?.notification.transition.summary == "21 calls over 1 h, above 20.")
        #expect(try await h.tick(3000).kinds == ["deletes": .resolved])
    }

    @Test("deadman fires without any traffic from a client, notifications count as traffic")
    func deadman() async throws {
        let h = try await H()
        try await h.rule("cursor silent", .deadman, scope: AlertScope(client: "cursor"), window: 600)
        try await h.traffic(10, from: -300, to: -10, client: PeerInfo(name: "claude-code", version: "1.0"))
        try await h.traffic(3, from: -900, to: -700, client: PeerInfo(name: "cursor", version: "2.0"))
        let first = try await h.tick(0)
        #expect(first.kinds == ["cursor silent": .firing])
        #expect(first.sent.first?.notification.transition.summary == "No traffic over 10 min (0 requests and 0 notifications).")
        try await h.traffic(1, from: 10, to: 11, method: "notifications/progress", kind: .notification,
                            client: PeerInfo(name: "cursor", version: "2.0"))
        #expect(try await h.tick(30).kinds == ["cursor silent": .resolved])
    }

    @Test("`for` delays firing; the pending state is stored, not notified")
    func forDelays() async throws {
        let h = try await H()
        try await h.rule("busy", .callCount(above: 3), window: 600, for: 60)
        try await h.traffic(10, from: -300, to: -10)
        let pending = try await h.tick(0)
        #expect(pending.kinds == ["busy": .pending] && pending.sent.isEmpty)
        #expect(try await h.store.alertStates(project: h.project)["id-busy"]?.state == .pending)
        let waiting = try await h.tick(45)
        #expect(waiting.kinds.isEmpty && waiting.sent.isEmpty)
        let fired = try await h.tick(60)
        #expect(fired.kinds == ["busy": .firing] && fired.sent.count == 1)
        #expect(try await h.store.alertHistory(project: h.project, ruleID: "id-busy", limit: 5).map(\.kind) == [.firing, .pending])
    }

    @Test("a pending breach is restarted after a gap in evaluations: `for` counts only what was seen")
    func pendingRestartsAfterAGap() async throws {
        let h = try await H()
        try await h.rule("busy", .callCount(above: 3), window: 3600, for: 120)
        try await h.traffic(10, from: -300, to: -10)
        #expect(try await h.tick(0).kinds == ["busy": .pending])
        // The server was down for 10 minutes: the breach restarts as pending instead of firing at once.
        let after = try await h.tick(600)
        #expect(after.kinds.isEmpty && after.sent.isEmpty)
        #expect(try await h.store.alertStates(project: h.project)["id-busy"]?.since == H.at(600))
        #expect(try await h.tick(615).kinds.isEmpty)
        #expect(try await h.tick(660).kinds.isEmpty)
        #expect(try await h.tick(720).kinds == ["busy": .firing])
    }

    @Test("re-notification while firing, at the configured interval")
    func renotify() async throws {
        let h = try await H()
        try await h.rule("busy", .callCount(above: 3), window: 3600, renotify: 600, channels: ["hook", "mail"])
        try await h.traffic(10, from: -300, to: -10)
        let fired = try await h.tick(0)
        #expect(fired.sent.count == 2)
        #expect(try await h.tick(15).sent.isEmpty)
        #expect(try await h.tick(585).sent.isEmpty)
        let again = try await h.tick(600)
        #expect(again.kinds == ["busy": .renotify])
        #expect(again.sent.map(\.channel.id) == ["hook", "mail"])
        #expect(again.sent.allSatisfy { $0.notification.transition.kind == .renotify })
        #expect(try await h.tick(900).sent.isEmpty)
        #expect(try await h.tick(1200).kinds == ["busy": .renotify])
    }

    @Test("disabled rules are skipped: no state, no transition")
    func disabledSkipped() async throws {
        let h = try await H()
        try await h.rule("off", .callCount(above: 3), enabled: false)
        try await h.rule("on", .callCount(above: 3))
        try await h.traffic(10, from: -300, to: -10)
        let tick = try await h.tick(0)
        #expect(tick.kinds == ["on": .firing])
        #expect(tick.tick.evaluated == [AlertTick.ProjectRule(project: h.project, rule: "id-on")])
        #expect(try await h.store.alertStates(project: h.project).keys.sorted() == ["id-on"])
    }

    @Test("a rule disabled while firing is resolved once (notified) and then skipped; enabled again it fires anew")
    func disabledWhileFiring() async throws {
        let h = try await H()
        var rule = try await h.rule("busy", .callCount(above: 3))
        try await h.traffic(10, from: -200, to: -10)
        #expect(try await h.tick(0).kinds == ["busy": .firing])
        rule.enabled = false
        try await h.store.saveAlertRule(rule, project: h.project)
        let closed = try await h.tick(15)
        #expect(closed.kinds == ["busy": .resolved])
        #expect(closed.sent.map(\.notification.transition.summary) == ["Resolved: the rule was disabled (10 calls over 5 min, above 3)."])
        #expect(try await h.store.alertStates(project: h.project)["id-busy"]?.state == .ok)
        let skipped = try await h.tick(30)
        #expect(skipped.sent.isEmpty && skipped.tick.evaluated.isEmpty)
        rule.enabled = true
        try await h.store.saveAlertRule(rule, project: h.project)
        let again = try await h.tick(45)
        #expect(again.kinds == ["busy": .firing] && again.sent.count == 1)
    }

    @Test("a firing rule whose condition is edited resolves the old alert, then fires under the new condition")
    func editedWhileFiring() async throws {
        let h = try await H()
        var rule = try await h.rule("busy", .callCount(above: 3))
        try await h.traffic(10, from: -300, to: -10)
        #expect(try await h.tick(0).kinds == ["busy": .firing])
        rule.condition = .callCount(above: 5)
        try await h.store.saveAlertRule(rule, project: h.project)
        let edited = try await h.tick(15)
        #expect(edited.kinds == ["busy": .resolved] && edited.sent.count == 1)
        let again = try await h.tick(30)
        #expect(again.kinds == ["busy": .firing])
        #expect(again.sent.first?.notification.transition.threshold == 5)
    }

    @Test("scopes filter the traffic: tool, client + version, tag, method, server, prompt")
    func scopes() async throws {
        let h = try await H()
        let cursor1 = PeerInfo(name: "cursor", version: "1.0"), cursor2 = PeerInfo(name: "cursor", version: "2.0")
        try await h.traffic(4, from: -200, to: -10, tool: "a")
        try await h.traffic(2, from: -200, to: -10, tool: "b")
        try await h.traffic(4, from: -200, to: -10, tool: "c", client: cursor1)
        try await h.traffic(2, from: -200, to: -10, tool: "c", client: cursor2)
        try await h.traffic(4, from: -200, to: -10, tool: "d", tags: ["env": "prod"])
        try await h.traffic(2, from: -200, to: -10, tool: "d", tags: ["env": "staging"])
        try await h.traffic(4, from: -200, to: -10, method: "tools/list")
        try await h.traffic(2, from: -200, to: -10, method: "resources/list")
        try await h.traffic(4, from: -200, to: -10, method: "prompts/get", server: PeerInfo(name: "files"))
        let scopes: [(String, AlertScope)] = [
            ("tool a", AlertScope(tool: "a")), ("tool b", AlertScope(tool: "b")),
            ("cursor 1.0", AlertScope(client: "cursor", clientVersion: "1.0")),
            ("cursor 2.0", AlertScope(client: "cursor", clientVersion: "2.0")),
            ("prod", AlertScope(tags: ["env": "prod"])), ("staging", AlertScope(tags: ["env": "staging"])),
            ("tools/list", AlertScope(method: "tools/list")), ("resources/list", AlertScope(method: "resources/list")),
            ("files server", AlertScope(server: "files")), ("prod tool d via method", AlertScope(method: "tools/call", tags: ["env": "prod"])),
        ]
        for (name, scope) in scopes { try await h.rule(name, .callCount(above: 3), scope: scope) }
        let tick = try await h.tick(0)
        #expect(tick.kinds == ["tool a": .firing, "cursor 1.0": .firing, "prod": .firing, "tools/list": .firing,
                               "files server": .firing, "prod tool d via method": .firing])
        let states = try await h.store.alertStates(project: h.project)
        #expect(states["id-tool b"]?.value == 2 && states["id-cursor 2.0"]?.value == 2 && states["id-staging"]?.value == 2)
        #expect(states["id-resources/list"]?.value == 2)
    }

    @Test("notifications: one per channel with its own id, the project name, and a dashboard link to the scope and window; unknown channels skipped")
    func notifications() async throws {
        let h = try await H()
        try await h.rule("deletes", .callCount(above: 1), scope: AlertScope(tool: "delete_file", client: "cursor", tags: ["env": "prod"]),
                         window: 600, channels: ["hook", "gone", "mail"])
        try await h.traffic(3, from: -300, to: -10, tool: "delete_file", client: PeerInfo(name: "cursor"), tags: ["env": "prod"])
        let sent = try await h.tick(0).sent
        #expect(sent.map(\.channel.id) == ["hook", "mail"])
        #expect(sent.map(\.channel) == H.channels)
        #expect(Set(sent.map(\.notification.id)).count == 2)
        #expect(sent.allSatisfy { $0.notification.id.hasPrefix("msg_") && $0.project == h.project && !$0.notification.isTest })
        let notification = sent[0].notification
        #expect(notification.project == "default")
        #expect(notification.rule.name == "deletes" && notification.transition.kind == .firing)
        #expect(notification.transition.at == H.now)
        #expect(notification.dashboardURL == "https://telltale.example.com/?from=2026-09-21T14%3A03%3A50Z&to=2026-09-21T14%3A13%3A50Z&client=cursor&tool=delete_file&tag=env%3Aprod")
        #expect(AlertEngine.dashboardURL(base: "http://127.0.0.1:7340", scope: AlertScope(method: "tools/list"),
                                          from: H.now.addingTimeInterval(-0.5), to: H.now.addingTimeInterval(0.25))
                == "http://127.0.0.1:7340/?from=2026-09-21T14%3A13%3A49Z&to=2026-09-21T14%3A13%3A51Z&method=tools%2Flist")
        // The resolution is another transition: new ids.
        let resolved = try await h.tick(700)
        #expect(resolved.kinds == ["deletes": .resolved])
        #expect(Set(resolved.sent.map(\.notification.id)).isDisjoint(with: sent.map(\.notification.id)))
        #expect(resolved.sent.count == 2)
    }

    @Test("every project's rules are evaluated; a failing rule is logged and never stops the others")
    func failuresAreIsolated() async throws {
        let h = try await H()
        let other = try await h.store.createProject(name: "staging")
        try await h.rule("a", .callCount(above: 3))
        try await h.rule("b", .callCount(above: 3))
        try await h.rule("c", .callCount(above: 3))
        try await h.store.saveAlertRule(AlertRule(id: "o", name: "other deadman", condition: .deadman, windowSeconds: 300), project: other.id)
        try await h.traffic(10, from: -300, to: -10)
        // The store refuses to record rule b (a real SQLite error, as on a full disk).
        try await h.store.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER fail_b BEFORE INSERT ON alert_states WHEN NEW.rule_id = 'id-b'
                BEGIN SELECT RAISE(ABORT, 'disk is full'); END
                """)
        }
        let tick = try await h.tick(0)
        #expect(tick.kinds == ["a": .firing, "c": .firing, "o": .firing])
        #expect(tick.tick.failures.keys.map(\.rule) == ["id-b"])
        #expect(tick.tick.failures.values.first?.contains("disk is full") == true)
        #expect(tick.tick.evaluated.count == 4)
        #expect(try await h.store.alertStates(project: other.id)["o"]?.state == .firing)
        #expect(try await h.store.alertStates(project: h.project).keys.sorted() == ["id-a", "id-c"])
    }

    @Test("the service evaluates on its interval until cancelled")
    func service() async throws {
        let h = try await H()
        let engine = AlertEngine(store: h.store, dispatcher: h.dispatcher,
                                 configuration: AlertEngineConfiguration(interval: .milliseconds(20), publicBaseURL: H.baseURL))
        try await h.rule("silence", .deadman, renotify: 1)
        let task = Task { try await engine.run() }
        // Fires on the first tick (no traffic), then re-notifies every second while the service runs.
        await h.dispatcher.waitFor(2)
        task.cancel()
        try await task.value
        let sent = await h.dispatcher.drain()
        #expect(sent.prefix(2).map(\.notification.transition.kind) == [.firing, .renotify])
        let state = try #require(try await h.store.alertStates(project: h.project)["id-silence"])
        #expect(state.state == .firing && state.evaluatedAt != nil)
    }

    @Test("in a service group, a graceful shutdown ends the service between evaluations")
    func gracefulShutdown() async throws {
        let h = try await H()
        let engine = AlertEngine(store: h.store, dispatcher: h.dispatcher,
                                 configuration: AlertEngineConfiguration(interval: .seconds(3600), publicBaseURL: H.baseURL))
        try await h.rule("silence", .deadman)
        let group = ServiceGroup(services: [engine], logger: Logger(label: "test"))
        let task = Task { try await group.run() }
        await h.dispatcher.waitFor(1)
        // The service now sleeps for an hour: the shutdown must end that sleep.
        await group.triggerGracefulShutdown()
        try await task.value
        #expect(await h.dispatcher.drain().map(\.notification.transition.kind) == [.firing])
    }
}
