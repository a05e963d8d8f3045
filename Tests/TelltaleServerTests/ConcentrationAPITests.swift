import Foundation
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

@Suite struct ConcentrationAPITests {
    typealias Data = AnalyticsTestData

    /// Hour 0 (concentrated): 30 sessions; `bad-1` and `bad-2` (cursor) fail 20 of 25 calls, 28 claude sessions make 3
    /// successful calls each. Hour 2 (spread): 40 sessions with 1 failed call of 4 each.
    static func calls() -> [Call] {
        var calls: [Call] = []
        for index in 1...2 {
            calls += Data.toolCalls("bad-\(index)", tool: "search", count: 25, errors: 20, start: Double(index) * 60,
                                    client: Data.cursor091, session: "bad-\(index)")
        }
        for index in 0..<28 {
            calls += Data.toolCalls("good-\(index)", tool: "search", count: 3, start: 300 + Double(index) * 60,
                                    session: "good-\(index)")
        }
        for index in 0..<40 {
            calls += Data.toolCalls("spread-\(index)", tool: "fetch", count: 4, errors: 1, start: 7200 + Double(index) * 60,
                                    session: "spread-\(index)")
        }
        return calls
    }

    @Test func concentratedErrorsPointAtAClient() async throws {
        let fixture = try await Data.fixture(Self.calls())
        try await fixture.withClient { client in
            let report = try await Data.report(
                ConcentrationReport.self, client, "/api/v1/sessions/concentration?\(Data.range(0, 3600))", key: fixture.readKey
            )
            let c = report.concentration
            #expect(c.activeSessions == 30)
            #expect(c.sessionsWithErrors == 2)
            #expect(c.errors == 40)
            #expect(c.topSessions == 2)
            #expect(c.topShare == 1)
            #expect(c.top10Share == 1)
            #expect(c.verdict == .concentrated)
            #expect(report.message == ErrorConcentration.Verdict.concentrated.sentence)
            #expect(report.calls == 2 * 25 + 28 * 3)
            #expect(Set(report.topSessions.map(\.id)) == ["bad-1", "bad-2"])
            #expect(report.topSessions.allSatisfy { $0.errors == 20 && $0.calls == 25 })
            let object = try Fixtures.object(
                try await Data.get(client, "/api/v1/sessions/concentration?\(Data.range(0, 3600))", key: fixture.readKey).body
            )
            #expect((object["message"] as? String)?.contains("client or a workflow") == true)
        }
    }

    @Test func spreadErrorsPointAtTheServer() async throws {
        let fixture = try await Data.fixture(Self.calls())
        try await fixture.withClient { client in
            let report = try await Data.report(
                ConcentrationReport.self, client, "/api/v1/sessions/concentration?\(Data.range(7200, 10_800))",
                key: fixture.readKey
            )
            let c = report.concentration
            #expect(c.activeSessions == 40 && c.sessionsWithErrors == 40 && c.errors == 40)
            #expect(c.topSessions == 2)
            #expect(c.topShare == 2.0 / 40)
            #expect(c.top10Share == 10.0 / 40)
            #expect(c.verdict == .spread)
            #expect(report.topSessions.count == 10)
            #expect(report.topSessions.allSatisfy { $0.errors == 1 })
        }
    }

    @Test func filtersFewSessionsAndEmptyRange() async throws {
        let fixture = try await Data.fixture(Self.calls())
        try await fixture.withClient { client in
            // Only the two cursor sessions: too few to judge, but the shares are still reported.
            let cursor = try await Data.report(
                ConcentrationReport.self, client, "/api/v1/sessions/concentration?\(Data.range(0, 3600))&client=cursor",
                key: fixture.readKey
            )
            #expect(cursor.concentration.activeSessions == 2)
            #expect(cursor.concentration.verdict == .tooFewSessions)
            #expect(cursor.message.contains("at least 20"))
            let fetch = try await Data.report(
                ConcentrationReport.self, client, "/api/v1/sessions/concentration?\(Data.range(0, 3600))&tool=fetch",
                key: fixture.readKey
            )
            #expect(fetch.concentration.activeSessions == 0)
            let empty = try await Data.report(
                ConcentrationReport.self, client, "/api/v1/sessions/concentration?\(Data.range(-3600, 0))", key: fixture.readKey
            )
            #expect(empty.concentration.verdict == .noErrors)
            #expect(empty.concentration.activeSessions == 0 && empty.topSessions.isEmpty && empty.calls == 0)
        }
    }

    @Test func sessionsOrderedByErrorsOrCalls() async throws {
        let fixture = try await Data.fixture(Self.calls())
        try await fixture.withClient { client in
            typealias Items = QueryTests.Items<SessionStats>
            let range = Data.range(0, 3600)
            let byErrors = try await Data.report(Items.self, client, "/api/v1/sessions?\(range)&order=errors&limit=3", key: fixture.readKey)
            #expect(byErrors.items.map(\.errors) == [20, 20, 0])
            let byCalls = try await Data.report(Items.self, client, "/api/v1/sessions?\(range)&order=calls&limit=2", key: fixture.readKey)
            #expect(byCalls.items.map(\.calls) == [25, 25])
            let recent = try await Data.report(Items.self, client, "/api/v1/sessions?\(range)&order=recent&limit=1", key: fixture.readKey)
            #expect(recent.items.map(\.id) == ["good-27"])
            let message = try await Data.badRequest(client, "/api/v1/sessions?order=slowest", key: fixture.readKey)
            #expect(message.contains("'order' must be one of recent|errors|calls"))
        }
    }
}
