import Foundation
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

/// The test's own `AlertDispatching`: records what the engine hands over, and lets a test await a count.
actor RecordingDispatcher: AlertDispatching {
    struct Sent: Sendable {
        var notification: AlertNotification
        var channel: AlertChannel
        var project: ProjectID
    }

    private(set) var sent: [Sent] = []
    private var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    func dispatch(_ notification: AlertNotification, to channel: AlertChannel, project: ProjectID) async {
        sent.append(Sent(notification: notification, channel: channel, project: project))
        let ready = waiters.filter { $0.count <= sent.count }
        waiters.removeAll { $0.count <= sent.count }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Returns once at least `count` notifications were dispatched.
    func waitFor(_ count: Int) async {
        if sent.count >= count { return }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }

    /// The notifications sent since the last call (kind, rule name, channel id).
    func drain() -> [Sent] {
        defer { sent = [] }
        return sent
    }
}

/// A real store with a project, an engine over it at chosen times, and helpers to insert traffic.
struct AlertEngineHarness {
    /// 50 s into a minute: windows start and end inside minutes (raw edges and rollup minutes both read).
    static let now = Date(timeIntervalSince1970: 1_790_000_030)
    static let baseURL = "https://telltale.example.com/"

    let fixture: ServerFixture
    let dispatcher = RecordingDispatcher()
    let engine: AlertEngine

    var store: SQLiteCallStore { fixture.store }
    var project: ProjectID { fixture.project.id }

    init() async throws {
        fixture = try await ServerFixture.make()
        engine = AlertEngine(store: fixture.store, dispatcher: dispatcher,
                             configuration: AlertEngineConfiguration(publicBaseURL: Self.baseURL))
        for channel in Self.channels { try await fixture.store.saveAlertChannel(channel, project: fixture.project.id) }
    }

    static let channels = [
        AlertChannel(id: "hook", name: "hook", kind: .webhook, url: "https://example.com/hook", secret: "whsec_c2VjcmV0c2VjcmV0"),
        AlertChannel(id: "mail", name: "ops mail", kind: .email, emailTo: ["ops@example.com"]),
    ]

    static func at(_ seconds: Double) -> Date { now.addingTimeInterval(seconds) }

    /// Saves a rule notifying the webhook channel.
    @discardableResult
    func rule(_ name: String, _ condition: AlertCondition, scope: AlertScope = AlertScope(), window: Int = 300,
              for forSeconds: Int = 0, renotify: Int? = nil, enabled: Bool = true, channels: [String] = ["hook"]) async throws -> AlertRule {
        let rule = AlertRule(id: "id-\(name)", name: name, enabled: enabled, scope: scope, condition: condition,
                             windowSeconds: window, forSeconds: forSeconds, renotifySeconds: renotify, channelIDs: channels)
        try await store.saveAlertRule(rule, project: project)
        return rule
    }

    /// Inserts `count` records spread evenly over `[from, to)` seconds around ``now``.
    func traffic(_ count: Int, from: Double, to: Double, method: String = "tools/call", tool: String? = "search",
                 outcome: CallOutcome = .ok, ms: Double = 10, kind: CallKind = .request,
                 client: PeerInfo? = PeerInfo(name: "claude-code", version: "1.0"), server: PeerInfo? = PeerInfo(name: "weather"),
                 tags: [String: String] = [:]) async throws {
        let calls = (0..<count).map { index in
            Call(startedAt: Self.at(from + (to - from) * Double(index) / Double(max(count, 1))),
                 durationNs: Int64(ms * 1_000_000), kind: kind, method: method, target: method == "tools/call" ? tool : nil,
                 outcome: outcome, session: "s-\(client?.name ?? "none")-\(index % 3)", client: client, server: server, tags: tags)
        }
        try await store.insert(calls, project: project)
    }

    /// Evaluates at `seconds` after ``now`` and returns the transitions by rule name, and what was dispatched.
    func tick(_ seconds: Double) async throws -> (kinds: [String: AlertTransition.Kind], sent: [RecordingDispatcher.Sent], tick: AlertTick) {
        let tick = await engine.evaluateOnce(now: Self.at(seconds))
        let rules = Dictionary(uniqueKeysWithValues: try await store.alertRules(project: project).map { ($0.id, $0.name) })
        var kinds: [String: AlertTransition.Kind] = [:]
        for transition in tick.transitions { kinds[rules[transition.ruleID] ?? transition.ruleID] = transition.kind }
        return (kinds, await dispatcher.drain(), tick)
    }
}
