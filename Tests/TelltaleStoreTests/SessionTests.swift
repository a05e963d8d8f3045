import Foundation
import Testing
import TelltaleCore
import TelltaleStore

@Suite("SQLiteCallStore sessions")
struct SessionTests {
    @Test("sessions, most recent first, with identity, whole-session counts and stdout pollution")
    func sessions() async throws {
        let (temp, project) = try await loadedStore()
        defer { temp.cleanUp() }
        let sessions = try await temp.store.sessions(Traffic.query(project: project), limit: 50)
        #expect(sessions == [
            SessionStats(id: "s-files", client: Traffic.cursor, server: Traffic.files, transport: "stdio",
                         calls: 2, errors: 0, notifications: 0, stdoutPollution: 0,
                         firstSeen: Traffic.at(seconds: 30), lastSeen: Traffic.at(seconds: 31)),
            SessionStats(id: "s-modern", client: Traffic.mcpPython, server: Traffic.weatherNew, transport: "http",
                         calls: 3, errors: 1, notifications: 1, stdoutPollution: 2,
                         firstSeen: Traffic.at(seconds: 20), lastSeen: Traffic.at(seconds: 24)),
            // Whole session, not clipped to the range: the call two hours earlier counts too.
            SessionStats(id: "s-legacy", client: Traffic.claude, server: Traffic.weather, transport: "stdio",
                         calls: 11, errors: 3, notifications: 1, stdoutPollution: 3,
                         firstSeen: Traffic.at(seconds: -7200), lastSeen: Traffic.at(seconds: 9)),
        ])
    }

    @Test("sessions honour the limit and every filter")
    func filteredSessions() async throws {
        let (temp, project) = try await loadedStore()
        defer { temp.cleanUp() }
        let store = temp.store
        #expect(try await store.sessions(Traffic.query(project: project), limit: 2).map(\.id) == ["s-files", "s-modern"])
        #expect(try await store.sessions(Traffic.query(project: project), limit: 0).isEmpty)
        #expect(try await store.sessions(Traffic.query(project: project, server: "weather"), limit: 9).map(\.id) == ["s-modern", "s-legacy"])
        #expect(try await store.sessions(Traffic.query(project: project, client: "claude-code"), limit: 9).map(\.id) == ["s-legacy"])
        #expect(try await store.sessions(Traffic.query(project: project, clientVersion: "0.9.1"), limit: 9).map(\.id) == ["s-files"])
        #expect(try await store.sessions(Traffic.query(project: project, tags: ["env": "staging"]), limit: 9).map(\.id) == ["s-modern"])
        let tool = try await store.sessions(Traffic.query(project: project, tool: "get_forecast"), limit: 9)
        #expect(tool.map(\.id) == ["s-modern", "s-legacy"])
        // Sessions that used the tool, with their whole-session totals.
        #expect(tool.map(\.calls) == [3, 11])
        let wide = CallQuery(project: project, from: Traffic.at(seconds: -10_000), to: Traffic.at(seconds: 3600))
        let legacy = try #require(try await store.sessions(wide, limit: 9).last)
        #expect(legacy.calls == 11)
        #expect(legacy.firstSeen == Traffic.at(seconds: -7200))
    }

    @Test("a session's records in order, with payloads, filtered and limited")
    func sessionCalls() async throws {
        let (temp, project) = try await loadedStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let calls = try await store.sessionCalls(session: "s-legacy", query: Traffic.query(project: project), limit: 100)
        #expect(calls == Traffic.legacy)
        #expect(calls.first(where: { $0.kind == .pollution })?.pollutionLines == 3)
        #expect(try await store.sessionCalls(session: "s-legacy", query: Traffic.query(project: project), limit: 3) == Array(Traffic.legacy.prefix(3)))
        let forecasts = try await store.sessionCalls(session: "s-legacy", query: Traffic.query(project: project, tool: "get_forecast"), limit: 100)
        #expect(forecasts.map(\.outcome) == [.ok, .ok, .ok, .toolError])
        let wide = CallQuery(project: project, from: Traffic.at(seconds: -10_000), to: Traffic.at(seconds: 3600))
        #expect(try await store.sessionCalls(session: "s-legacy", query: wide, limit: 100).first == Traffic.old)
        #expect(try await store.sessionCalls(session: "s-unknown", query: wide, limit: 100).isEmpty)
        #expect(try await store.sessionCalls(session: "s-modern", query: Traffic.query(project: project, tags: ["tenant": "acme"]), limit: 100) == Traffic.modern)
    }
}
