import Foundation
import GRDB
import Testing
import TelltaleCore
@testable import TelltaleStore

@Suite("SQLiteCallStore alert rules, channels, states, history and deliveries")
struct AlertStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    static func rule(_ id: String, name: String? = nil, condition: AlertCondition = .callCount(above: 20),
                     scope: AlertScope = AlertScope(), channels: [String] = [], source: AlertRuleSource = .api) -> AlertRule {
        AlertRule(id: id, name: name ?? id, scope: scope, condition: condition, windowSeconds: 300, forSeconds: 60,
                  renotifySeconds: 3600, channelIDs: channels, source: source)
    }

    static func transition(_ ruleID: String, _ kind: AlertTransition.Kind, at seconds: Double) -> AlertTransition {
        let (from, to): (AlertState, AlertState) = switch kind {
        case .pending: (.ok, .pending)
        case .firing: (.pending, .firing)
        case .resolved: (.firing, .ok)
        case .cleared: (.pending, .ok)
        case .renotify: (.firing, .firing)
        }
        return AlertTransition(ruleID: ruleID, kind: kind, from: from, to: to, at: t0.addingTimeInterval(seconds),
                               value: seconds, threshold: 20, summary: "\(kind) at \(seconds)")
    }

    @Test("every condition kind and every scope field round-trips")
    func roundTrips() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let project = try await store.projects()[0].id
        let conditions: [AlertCondition] = [
            .errorRate(abovePercent: 5.5, minCalls: 20, countToolErrors: false),
            .errorRate(abovePercent: 1, minCalls: 1, countToolErrors: true),
            .latency(percentile: .p50, aboveMs: 120), .latency(percentile: .p95, aboveMs: 800.5),
            .latency(percentile: .p99, aboveMs: 2000),
            .throughputCollapse(belowPercent: 0, minBaselineCalls: 10), .throughputCollapse(belowPercent: 30, minBaselineCalls: 100),
            .callCount(above: 20), .deadman,
        ]
        let scopes = [
            AlertScope(), AlertScope(server: "weather"), AlertScope(tool: "delete_file"), AlertScope(prompt: "summarize"),
            AlertScope(resource: "file:///etc/hosts"), AlertScope(method: "tools/list"),
            AlertScope(client: "cursor", clientVersion: "0.9.1"), AlertScope(tags: ["environment": "production", "tenant": "acme"]),
        ]
        var saved: [AlertRule] = []
        for (index, condition) in conditions.enumerated() {
            var rule = Self.rule("r\(index)", condition: condition, scope: scopes[index % scopes.count], channels: ["c1", "c2"])
            rule.enabled = index % 2 == 0
            rule.renotifySeconds = index % 3 == 0 ? nil : 600
            rule.forSeconds = index * 30
            try await store.saveAlertRule(rule, project: project)
            saved.append(rule)
        }
        for (index, scope) in scopes.enumerated() {
            let rule = Self.rule("s\(index)", scope: scope, source: .file)
            try await store.saveAlertRule(rule, project: project)
            saved.append(rule)
        }
        let reopened = try temp.reopen()
        #expect(try await reopened.alertRules(project: project) == saved.sorted { $0.name < $1.name })
        for rule in saved {
            #expect(try await reopened.alertRule(id: rule.id, project: project) == rule)
        }
        #expect(try await reopened.alertRule(id: "nope", project: project) == nil)

        let channels = [
            AlertChannel(id: "c1", name: "ops mail", kind: .email, emailTo: ["a@example.com", "b@example.com"]),
            AlertChannel(id: "c2", name: "slack", kind: .slack, url: "https://hooks.example.com/services/T/B/secret"),
            AlertChannel(id: "c3", name: "hook", kind: .webhook, url: "https://example.com/hook", secret: "whsec_c2VjcmV0"),
        ]
        for channel in channels { try await reopened.saveAlertChannel(channel, project: project) }
        #expect(try await reopened.alertChannels(project: project) == channels.sorted { $0.name < $1.name })
    }

    @Test("names are unique per project, for rules and for channels; saving by id replaces")
    func nameConflicts() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let project = try await store.projects()[0].id
        let other = try await store.createProject(name: "other").id
        try await store.saveAlertRule(Self.rule("a", name: "slow search"), project: project)
        await #expect(throws: StoreError.nameTaken(what: "alert rule", name: "slow search")) {
            try await store.saveAlertRule(Self.rule("b", name: "slow search"), project: project)
        }
        #expect(StoreError.nameTaken(what: "alert rule", name: "slow search").description
                == "alert rule name \"slow search\" is already taken in this project")
        // Another project may use the name; the same id may save a new definition.
        try await store.saveAlertRule(Self.rule("b", name: "slow search"), project: other)
        var renamed = Self.rule("a", name: "slower search", condition: .deadman)
        renamed.enabled = false
        try await store.saveAlertRule(renamed, project: project)
        #expect(try await store.alertRules(project: project) == [renamed])
        try await store.saveAlertRule(Self.rule("b", name: "slow search"), project: project)

        try await store.saveAlertChannel(AlertChannel(id: "c1", name: "ops", kind: .email, emailTo: ["a@x.org"]), project: project)
        await #expect(throws: StoreError.nameTaken(what: "alert channel", name: "ops")) {
            try await store.saveAlertChannel(AlertChannel(id: "c2", name: "ops", kind: .slack, url: "https://x.org/a"), project: project)
        }
        let updated = AlertChannel(id: "c1", name: "ops", kind: .webhook, url: "https://x.org/hook", secret: "whsec_AAAA")
        try await store.saveAlertChannel(updated, project: project)
        #expect(try await store.alertChannels(project: project) == [updated])
        #expect(try await store.alertChannels(project: other) == [])
        await #expect(throws: StoreError.unknownProject(99)) { try await store.saveAlertRule(Self.rule("z"), project: 99) }
    }

    @Test("file rules are replaced as a set; API rules stay; kept file rules keep their state and history")
    func fileRuleReplacement() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let project = try await store.projects()[0].id
        try await store.saveAlertRule(Self.rule("api-1", name: "api rule"), project: project)
        try await store.replaceFileAlertRules([Self.rule("file:one", name: "one", source: .file),
                                               Self.rule("file:two", name: "two", source: .file)], project: project)
        let firing = AlertRuleState(state: .firing, since: Self.t0, evaluatedAt: Self.t0, value: 42, notifiedAt: Self.t0,
                                    fingerprint: "{\"condition\":1}")
        try await store.recordAlertEvaluation(project: project, ruleID: "file:one", state: firing,
                                              transition: Self.transition("file:one", .firing, at: 0))
        try await store.recordAlertEvaluation(project: project, ruleID: "file:two", state: firing,
                                              transition: Self.transition("file:two", .firing, at: 1))
        // "two" goes, "one" takes a new definition and the name "two" (names move between kept rules), a rule
        // given with source .api is stored as a file rule.
        let newOne = Self.rule("file:one", name: "two", condition: .deadman, source: .file)
        let three = Self.rule("file:three", name: "three", source: .api)
        try await store.replaceFileAlertRules([newOne, three], project: project)
        var threeStored = three
        threeStored.source = .file
        #expect(try await store.alertRules(project: project) == [Self.rule("api-1", name: "api rule"), threeStored, newOne])
        #expect(try await store.alertStates(project: project) == ["file:one": firing])
        #expect(try await store.alertHistory(project: project, ruleID: nil, limit: 10).map(\.ruleID) == ["file:one"])

        // A clash with an API rule, or inside the file, changes nothing.
        await #expect(throws: StoreError.nameTaken(what: "alert rule", name: "api rule")) {
            try await store.replaceFileAlertRules([Self.rule("file:x", name: "api rule", source: .file)], project: project)
        }
        await #expect(throws: StoreError.nameTaken(what: "alert rule", name: "dup")) {
            try await store.replaceFileAlertRules([Self.rule("file:x", name: "dup", source: .file),
                                                   Self.rule("file:y", name: "dup", source: .file)], project: project)
        }
        #expect(try await store.alertRules(project: project).map(\.id) == ["api-1", "file:three", "file:one"])
        try await store.replaceFileAlertRules([], project: project)
        #expect(try await store.alertRules(project: project).map(\.id) == ["api-1"])
        #expect(try await store.alertStates(project: project).isEmpty)
    }

    @Test("deleting a rule removes its state, history and deliveries; deleting a channel unlinks it from rules")
    func cascades() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let project = try await store.projects()[0].id
        try await store.saveAlertChannel(AlertChannel(id: "c1", name: "one", kind: .email, emailTo: ["a@x.org"]), project: project)
        try await store.saveAlertChannel(AlertChannel(id: "c2", name: "two", kind: .email, emailTo: ["b@x.org"]), project: project)
        try await store.saveAlertRule(Self.rule("a", channels: ["c1", "c2"]), project: project)
        try await store.saveAlertRule(Self.rule("b", channels: ["c2"]), project: project)
        for id in ["a", "b"] {
            try await store.recordAlertEvaluation(
                project: project, ruleID: id, state: AlertRuleState(state: .firing, since: Self.t0),
                transition: Self.transition(id, .firing, at: 0))
            try await store.createAlertDelivery(AlertDelivery(
                id: "n-\(id)", ruleID: id, channelID: "c2", channelName: "two", channelKind: .email,
                transitionKind: .firing, transitionAt: Self.t0), project: project)
        }
        #expect(try await store.deleteAlertChannel(id: "c2", project: project))
        #expect(try await store.deleteAlertChannel(id: "c2", project: project) == false)
        #expect(try await store.alertRules(project: project).map(\.channelIDs) == [["c1"], []])
        #expect(try await store.alertChannels(project: project).map(\.id) == ["c1"])
        #expect(try await store.alertDeliveries(project: project, ruleID: nil, limit: 10).count == 2)

        #expect(try await store.deleteAlertRule(id: "a", project: project))
        #expect(try await store.deleteAlertRule(id: "a", project: project) == false)
        #expect(Array(try await store.alertStates(project: project).keys) == ["b"])
        #expect(try await store.alertHistory(project: project, ruleID: nil, limit: 10).map(\.ruleID) == ["b"])
        #expect(try await store.alertDeliveries(project: project, ruleID: nil, limit: 10).map(\.ruleID) == ["b"])
        // A state for a rule that is gone (deleted during its evaluation) is refused.
        await #expect(throws: DatabaseError.self) {
            try await store.recordAlertEvaluation(project: project, ruleID: "a", state: AlertRuleState(since: Self.t0), transition: nil)
        }
    }

    @Test("states upsert; history and deliveries read newest first, per rule or all, limited")
    func historyAndDeliveries() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let project = try await store.projects()[0].id
        let other = try await store.createProject(name: "other").id
        for id in ["a", "b"] { try await store.saveAlertRule(Self.rule(id), project: project) }
        try await store.saveAlertRule(Self.rule("a"), project: other)
        let steps: [(String, AlertTransition.Kind, Double)] = [
            ("a", .pending, 0), ("b", .pending, 5), ("a", .firing, 60), ("a", .renotify, 3660), ("b", .cleared, 30),
            ("a", .resolved, 4000),
        ]
        for (id, kind, seconds) in steps {
            let transition = Self.transition(id, kind, at: seconds)
            let state = AlertRuleState(state: transition.to, since: transition.at, evaluatedAt: transition.at,
                                       value: seconds, notifiedAt: transition.notifies ? transition.at : nil)
            try await store.recordAlertEvaluation(project: project, ruleID: id, state: state, transition: transition)
        }
        // An evaluation without a transition updates the state only.
        let quiet = AlertRuleState(state: .ok, since: Self.t0.addingTimeInterval(4000), evaluatedAt: Self.t0.addingTimeInterval(4015), value: nil)
        try await store.recordAlertEvaluation(project: project, ruleID: "a", state: quiet, transition: nil)
        #expect(try await store.alertStates(project: project)["a"] == quiet)
        #expect(try await store.alertStates(project: project)["b"]?.state == .ok)
        #expect(try await store.alertStates(project: other).isEmpty)

        let all = try await store.alertHistory(project: project, ruleID: nil, limit: 100)
        #expect(all.map(\.at.timeIntervalSince1970) == [4000, 3660, 60, 30, 5, 0].map { Self.t0.timeIntervalSince1970 + $0 })
        #expect(all.first == Self.transition("a", .resolved, at: 4000))
        #expect(try await store.alertHistory(project: project, ruleID: "a", limit: 100).map(\.kind) == [.resolved, .renotify, .firing, .pending])
        #expect(try await store.alertHistory(project: project, ruleID: "b", limit: 1).map(\.kind) == [.cleared])
        #expect(try await store.alertHistory(project: other, ruleID: nil, limit: 100).isEmpty)

        var deliveries: [AlertDelivery] = []
        for (index, (id, kind, seconds)) in steps.enumerated() where [.firing, .renotify, .resolved].contains(kind) {
            for channel in ["c1", "c2"] {
                let delivery = AlertDelivery(
                    id: "n\(index)-\(channel)", ruleID: id, channelID: channel, channelName: "channel \(channel)",
                    channelKind: channel == "c1" ? .webhook : .slack, transitionKind: kind,
                    transitionAt: Self.t0.addingTimeInterval(seconds))
                try await store.createAlertDelivery(delivery, project: project)
                deliveries.append(delivery)
            }
        }
        let test = AlertDelivery(id: "test-1", ruleID: "", channelID: "c1", channelName: "channel c1", channelKind: .webhook,
                                 transitionKind: .firing, transitionAt: Self.t0.addingTimeInterval(5000), isTest: true)
        try await store.createAlertDelivery(test, project: project)
        var done = deliveries[0]
        done.status = .delivered
        done.attempts = 2
        done.lastError = "HTTP 503"
        done.lastAttemptAt = Self.t0.addingTimeInterval(63)
        done.deliveredAt = Self.t0.addingTimeInterval(63)
        try await store.updateAlertDelivery(done, project: project)
        let read = try await store.alertDeliveries(project: project, ruleID: nil, limit: 100)
        #expect(read.map(\.id) == ["test-1", "n5-c2", "n5-c1", "n3-c2", "n3-c1", "n2-c2", "n2-c1"])
        #expect(read.last == done)
        #expect(read.first == test)
        #expect(try await store.alertDeliveries(project: project, ruleID: "a", limit: 2).map(\.id) == ["n5-c2", "n5-c1"])
        #expect(try await store.alertDeliveries(project: project, ruleID: "b", limit: 10).isEmpty)
        #expect(try await store.alertDeliveries(project: other, ruleID: nil, limit: 10).isEmpty)
    }

    @Test("history and deliveries keep the newest rows per rule; other rules and test deliveries are untouched")
    func logsAreTrimmedPerRule() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let project = try await store.projects()[0].id
        for id in ["a", "b"] { try await store.saveAlertRule(Self.rule(id), project: project) }
        let keep = SQLiteCallStore.alertLogRowsPerRule
        let firing = AlertRuleState(state: .firing, since: Self.t0)
        try await store.recordAlertEvaluation(project: project, ruleID: "b", state: firing, transition: Self.transition("b", .firing, at: -1))
        for index in 0..<(keep + 5) {
            let at = Double(index)
            try await store.recordAlertEvaluation(project: project, ruleID: "a", state: firing, transition: Self.transition("a", .renotify, at: at))
            try await store.createAlertDelivery(AlertDelivery(
                id: "n\(index)", ruleID: "a", channelID: "c1", channelName: "c1", channelKind: .webhook,
                transitionKind: .renotify, transitionAt: Self.t0.addingTimeInterval(at)), project: project)
        }
        let history = try await store.alertHistory(project: project, ruleID: "a", limit: 10 * keep)
        #expect(history.count == keep)
        #expect(history.first?.at == Self.t0.addingTimeInterval(Double(keep + 4)))
        #expect(history.last?.at == Self.t0.addingTimeInterval(5))
        let deliveries = try await store.alertDeliveries(project: project, ruleID: "a", limit: 10 * keep)
        #expect(deliveries.count == keep && deliveries.last?.id == "n5")
        #expect(try await store.alertHistory(project: project, ruleID: "b", limit: 10).count == 1)
    }

    @Test("a v5 database file is migrated to v6 with its calls intact")
    func migrationFromV5() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let project = try await temp.store.projects()[0].id
        try await temp.store.insert(Traffic.calls, project: project)
        // Turn the file back into what v5 left: no alert tables, v6 not applied.
        try await temp.store.pool.write { db in
            for table in ["alert_deliveries", "alert_history", "alert_states", "alert_channels", "alert_rules"] {
                try db.execute(sql: "DROP TABLE \(table)")
            }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v6-alerts'")
        }
        let store = try temp.reopen()
        let applied = try await store.pool.read { db in
            (try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"),
             try db.tableExists("alert_history") && db.tableExists("alert_deliveries"))
        }
        #expect(applied.0.last == "v6-alerts")
        #expect(applied.1)
        #expect(try await store.summary(Traffic.query(project: project)).calls == 15)
        try await store.saveAlertRule(Self.rule("a"), project: project)
        try await store.recordAlertEvaluation(project: project, ruleID: "a", state: AlertRuleState(state: .pending, since: Self.t0),
                                              transition: Self.transition("a", .pending, at: 0))
        let reopened = try temp.reopen()
        #expect(try await reopened.alertRules(project: project).map(\.id) == ["a"])
        #expect(try await reopened.alertHistory(project: project, ruleID: "a", limit: 5).count == 1)
    }
}
