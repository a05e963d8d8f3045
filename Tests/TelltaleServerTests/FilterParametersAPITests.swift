import Foundation
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

/// `range`, `prompt` and `resource` on the endpoints that predate the analyses.
@Suite struct FilterParametersAPITests {
    typealias Items<T: Decodable> = QueryTests.Items<T>

    @Test func promptAndResourceFilterEveryEndpoint() async throws {
        let fixture = try await QueryTests.seeded()
        try await fixture.withClient { client in
            let key = fixture.readKey
            let prompt = try await AnalyticsTestData.report(SummaryStats.self, client, "/api/v1/summary?prompt=greet", key: key)
            #expect(prompt.calls == 1 && prompt.errorRate == 0)
            let resource = try await AnalyticsTestData.report(
                SummaryStats.self, client, "/api/v1/summary?resource=file%3A%2F%2F%2Fa.txt", key: key
            )
            #expect(resource.calls == 1)
            let sessions = try await AnalyticsTestData.report(
                Items<SessionStats>.self, client, "/api/v1/sessions?prompt=greet", key: key
            )
            #expect(sessions.items.map(\.id) == ["s2"])
            let clients = try await AnalyticsTestData.report(
                Items<PeerStats>.self, client, "/api/v1/clients?resource=file:///a.txt", key: key
            )
            #expect(clients.items.map(\.name) == ["cursor"])
            let none = try await AnalyticsTestData.report(SummaryStats.self, client, "/api/v1/summary?prompt=nope", key: key)
            #expect(none.calls == 0)
        }
    }

    @Test func rangePresetEndsNowOrAtTo() async throws {
        let fixture = try await QueryTests.seeded()  // calls about an hour ago
        try await fixture.withClient { client in
            let key = fixture.readKey
            let quarter = try await AnalyticsTestData.report(SummaryStats.self, client, "/api/v1/summary?range=15m", key: key)
            #expect(quarter.calls == 0)
            let six = try await AnalyticsTestData.report(SummaryStats.self, client, "/api/v1/summary?range=6h", key: key)
            #expect(six.calls == 5)
            // `to` just after the data with a 15-minute range covers it; `from` makes `range` irrelevant.
            let to = Int64((Fixtures.base.timeIntervalSince1970 + 60) * 1000)
            let ending = try await Data.get(client, "/api/v1/summary?range=15m&to=\(to)", key: key)
            let object = try Fixtures.object(ending.body)
            #expect(object["calls"] as? Int == 5)
            let from = Int64((Fixtures.base.timeIntervalSince1970 + 2.5) * 1000)
            let fromWins = try await AnalyticsTestData.report(
                SummaryStats.self, client, "/api/v1/summary?range=7d&from=\(from)", key: key
            )
            #expect(fromWins.calls == 2)
            let message = try await AnalyticsTestData.badRequest(client, "/api/v1/tools?range=1w", key: key)
            #expect(message == "'range' must be one of 15m|1h|6h|24h|7d, got '1w'")
        }
    }

    typealias Data = AnalyticsTestData
}
