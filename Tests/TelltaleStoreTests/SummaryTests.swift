import Foundation
import Testing
import TelltaleCore
import TelltaleStore

/// A store holding ``Traffic/calls`` in the default project.
func loadedStore() async throws -> (TempStore, ProjectID) {
    let temp = try TempStore()
    let project = try await temp.store.projects()[0].id
    try await temp.store.insert(Traffic.calls, project: project)
    return (temp, project)
}

@Suite("SQLiteCallStore summary")
struct SummaryTests {
    @Test("totals over every session: outcomes, error rate, sessions, percentiles within 1%")
    func unfiltered() async throws {
        let (temp, project) = try await loadedStore()
        defer { temp.cleanUp() }
        let summary = try await temp.store.summary(Traffic.query(project: project))
        #expect(summary.calls == 15)
        #expect(summary.notifications == 2)
        #expect(summary.outcomes == ["ok": 11, "toolError": 1, "error": 1, "cancelled": 1, "noResponse": 1])
        #expect(summary.errorRate == 4.0 / 15.0)
        #expect(summary.sessions == 3)
        // Sorted request durations (ms): 1 1 1 2 3 4 5 6 10 15 20 30 40 500 300000.
        // Nearest rank: p50 rank 8 → 6, p95 and p99 rank 15 → 300000 (from the sketch, within 1%).
        #expect(approx(summary.latency, 6, 300_000, 300_000))
    }

    struct FilterCase: Sendable, CustomTestStringConvertible {
        var name: String
        var query: @Sendable (ProjectID) -> CallQuery
        var calls: Int
        var notifications: Int
        var sessions: Int
        var errors: Int
        var testDescription: String { name }
    }

    static let filterCases: [FilterCase] = [
        .init(name: "server weather", query: { Traffic.query(project: $0, server: "weather") }, calls: 13, notifications: 2, sessions: 2, errors: 4),
        .init(name: "server files", query: { Traffic.query(project: $0, server: "files") }, calls: 2, notifications: 0, sessions: 1, errors: 0),
        .init(name: "server unknown", query: { Traffic.query(project: $0, server: "nobody") }, calls: 0, notifications: 0, sessions: 0, errors: 0),
        .init(name: "client claude-code", query: { Traffic.query(project: $0, client: "claude-code") }, calls: 10, notifications: 1, sessions: 1, errors: 3),
        .init(name: "client version 0.1.0", query: { Traffic.query(project: $0, clientVersion: "0.1.0") }, calls: 3, notifications: 1, sessions: 1, errors: 1),
        .init(name: "client mcp 9.9", query: { Traffic.query(project: $0, client: "mcp", clientVersion: "9.9") }, calls: 0, notifications: 0, sessions: 0, errors: 0),
        .init(name: "tool get_forecast", query: { Traffic.query(project: $0, tool: "get_forecast") }, calls: 5, notifications: 0, sessions: 2, errors: 1),
        .init(name: "tag env=prod", query: { Traffic.query(project: $0, tags: ["env": "prod"]) }, calls: 10, notifications: 1, sessions: 1, errors: 3),
        .init(name: "tags env=staging tenant=acme", query: { Traffic.query(project: $0, tags: ["env": "staging", "tenant": "acme"]) }, calls: 3, notifications: 1, sessions: 1, errors: 1),
        .init(name: "tags all must match", query: { Traffic.query(project: $0, tags: ["env": "staging", "tenant": "other"]) }, calls: 0, notifications: 0, sessions: 0, errors: 0),
        .init(name: "server and tool", query: { Traffic.query(project: $0, server: "files", tool: "read_file") }, calls: 1, notifications: 0, sessions: 1, errors: 0),
        .init(name: "range with the old call", query: {
            CallQuery(project: $0, from: Traffic.at(seconds: -10_000), to: Traffic.at(seconds: 3600))
        }, calls: 16, notifications: 2, sessions: 3, errors: 4),
        .init(name: "to is exclusive", query: {
            CallQuery(project: $0, from: Traffic.at(seconds: -10_000), to: Traffic.at(seconds: 0))
        }, calls: 1, notifications: 0, sessions: 1, errors: 0),
        .init(name: "from is inclusive", query: {
            CallQuery(project: $0, from: Traffic.at(seconds: 31), to: Traffic.at(seconds: 32))
        }, calls: 1, notifications: 0, sessions: 1, errors: 0),
    ]

    @Test("each filter narrows the totals", arguments: filterCases)
    func filtered(_ filter: FilterCase) async throws {
        let (temp, project) = try await loadedStore()
        defer { temp.cleanUp() }
        let summary = try await temp.store.summary(filter.query(project))
        #expect(summary.calls == filter.calls)
        #expect(summary.notifications == filter.notifications)
        #expect(summary.sessions == filter.sessions)
        #expect(summary.calls - summary.outcomes["ok"]! == filter.errors)
        #expect(Set(summary.outcomes.keys) == Set(CallOutcome.allCases.map(\.rawValue)))
        #expect(summary.errorRate == (filter.calls == 0 ? 0 : Double(filter.errors) / Double(filter.calls)))
        #expect((summary.latency.p50Ms == nil) == (filter.calls == 0))
        // The totals without sessions (alert evaluation) are the same numbers, sessions left at 0.
        var totals = try await temp.store.callTotals(filter.query(project))
        #expect(totals.sessions == 0)
        totals.sessions = summary.sessions
        #expect(totals == summary)
    }

    @Test("percentiles of one tool: nearest rank over 10, 15, 20, 30, 40 ms")
    func toolPercentiles() async throws {
        let (temp, project) = try await loadedStore()
        defer { temp.cleanUp() }
        let summary = try await temp.store.summary(Traffic.query(project: project, tool: "get_forecast"))
        #expect(approx(summary.latency, 20, 40, 40))
        #expect(summary.outcomes["toolError"] == 1)
    }

    @Test("an empty range gives zeros, every outcome key and nil percentiles")
    func emptyRange() async throws {
        let (temp, project) = try await loadedStore()
        defer { temp.cleanUp() }
        let empty = CallQuery(project: project, from: Traffic.at(seconds: 5000), to: Traffic.at(seconds: 6000))
        let summary = try await temp.store.summary(empty)
        #expect(summary == SummaryStats(
            calls: 0, notifications: 0,
            outcomes: ["ok": 0, "toolError": 0, "error": 0, "cancelled": 0, "noResponse": 0],
            errorRate: 0, sessions: 0, latency: LatencyStats()))
        #expect(try await temp.store.targets(.tool, empty).isEmpty)
        #expect(try await temp.store.clients(empty).isEmpty)
        #expect(try await temp.store.servers(empty).isEmpty)
        #expect(try await temp.store.sessions(empty, limit: 50).isEmpty)
        #expect(try await temp.store.sessionCalls(session: "s-legacy", query: empty, limit: 50).isEmpty)
    }

    @Test("tag keys with quotes, dots and backslashes match exactly")
    func oddTagKeys() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let project = try await temp.store.projects()[0].id
        let tags = ["we\"ird": "a", "dotted.key": "b", "back\\slash": "c", "plain": "d\"quoted\""]
        try await temp.store.insert([
            Call(startedAt: Traffic.at(seconds: 1), method: "tools/call", target: "t", session: "s", tags: tags),
            Call(startedAt: Traffic.at(seconds: 2), method: "tools/call", target: "t", session: "s", tags: ["dotted": ["key": "b"].description]),
        ], project: project)
        for (key, value) in tags {
            let summary = try await temp.store.summary(Traffic.query(project: project, tags: [key: value]))
            #expect(summary.calls == 1, "tag \(key)=\(value)")
            #expect(try await temp.store.summary(Traffic.query(project: project, tags: [key: value + "x"])).calls == 0)
        }
        #expect(try await temp.store.summary(Traffic.query(project: project, tags: tags)).calls == 1)
    }
}
