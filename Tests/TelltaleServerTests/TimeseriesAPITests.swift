import Foundation
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

@Suite struct TimeseriesAPITests {
    typealias Data = AnalyticsTestData

    /// Minute 0: 3 search calls (1 error); minute 3: 2 fetch calls (2 errors); minute 4: a prompt; minute 12:
    /// one search call outside the 10-minute test range.
    static func calls() -> [Call] {
        Data.toolCalls("a", tool: "search", count: 3, errors: 1, start: 0)
            + Data.toolCalls("b", tool: "fetch", count: 2, errors: 2, start: 180, client: Data.cursor091)
            + Data.toolCalls("c", tool: "greet", count: 1, start: 240, method: "prompts/get")
            + Data.toolCalls("d", tool: "search", count: 1, start: 720)
    }

    @Test func bucketsWithCountsOutcomesAndEmptyBuckets() async throws {
        let fixture = try await Data.fixture(Self.calls())
        try await fixture.withClient { client in
            let report = try await Data.report(
                OverviewReport.self, client, "/api/v1/timeseries?\(Data.range(0, 600))&bucket=60", key: fixture.readKey
            )
            #expect(report.bucketSeconds == 60)
            #expect(report.from == Data.at(0) && report.to == Data.at(600))
            #expect(report.timeseries.map(\.start) == (0..<10).map { Data.at(Double($0) * 60) })
            #expect(report.timeseries.map(\.calls) == [3, 0, 0, 2, 1, 0, 0, 0, 0, 0])
            #expect(report.timeseries.map(\.errors) == [1, 0, 0, 2, 0, 0, 0, 0, 0, 0])
            #expect(report.timeseries[0].outcomes == ["ok": 2, "toolError": 0, "error": 1, "cancelled": 0, "noResponse": 0])
            #expect(report.timeseries[3].outcomes["toolError"] == 1 && report.timeseries[3].outcomes["error"] == 1)
            #expect(report.timeseries[1].p95Ms == nil)
            #expect(report.timeseries[0].p95Ms != nil)
            #expect(report.summary.calls == 6)
            #expect(abs(report.summary.errorRate - 0.5) < 1e-9)
            #expect(report.summary.sessions == 3)

            // Five-minute buckets: [0, 300) and [300, 600).
            let coarse = try await Data.report(
                OverviewReport.self, client, "/api/v1/timeseries?\(Data.range(0, 600))&bucket=300", key: fixture.readKey
            )
            #expect(coarse.timeseries.map(\.calls) == [6, 0])
        }
    }

    @Test func defaultBucketFollowsTheRange() async throws {
        let fixture = try await Data.fixture(Self.calls())
        try await fixture.withClient { client in
            // `range=6h` ending at t0 + 6 h: 300 s buckets, 72 of them; the data falls in the first two.
            let sixHours = try await Data.report(
                OverviewReport.self, client, "/api/v1/timeseries?range=6h&to=\(Data.ms(6 * 3600))", key: fixture.readKey
            )
            #expect(sixHours.bucketSeconds == 300)
            #expect(sixHours.from == Data.at(0))
            #expect(sixHours.timeseries.count == 72)
            #expect(sixHours.timeseries.prefix(3).map(\.calls) == [6, 0, 1])
            let day = try await Data.report(
                OverviewReport.self, client, "/api/v1/timeseries?range=24h&to=\(Data.ms(24 * 3600))", key: fixture.readKey
            )
            #expect(day.bucketSeconds == 3600)
            #expect(day.timeseries.count == 24)
            #expect(day.timeseries.first?.calls == 7)
        }
    }

    @Test func filtersApply() async throws {
        let fixture = try await Data.fixture(Self.calls())
        try await fixture.withClient { client in
            let base = "/api/v1/timeseries?\(Data.range(0, 600))&bucket=60"
            let search = try await Data.report(OverviewReport.self, client, base + "&tool=search", key: fixture.readKey)
            #expect(search.timeseries.map(\.calls) == [3, 0, 0, 0, 0, 0, 0, 0, 0, 0])
            let cursor = try await Data.report(OverviewReport.self, client, base + "&client=cursor", key: fixture.readKey)
            #expect(cursor.summary.calls == 2)
            #expect(cursor.timeseries[3].errors == 2)
            let prompt = try await Data.report(OverviewReport.self, client, base + "&prompt=greet", key: fixture.readKey)
            #expect(prompt.timeseries.map(\.calls) == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0])
            let version = try await Data.report(
                OverviewReport.self, client, base + "&clientVersion=1.2.0", key: fixture.readKey
            )
            #expect(version.summary.calls == 4)
        }
    }

    @Test func emptyRangeHasZeroBuckets() async throws {
        let fixture = try await Data.fixture(Self.calls())
        try await fixture.withClient { client in
            let report = try await Data.report(
                OverviewReport.self, client, "/api/v1/timeseries?\(Data.range(-3600, 0))&bucket=300", key: fixture.readKey
            )
            #expect(report.timeseries.count == 12)
            #expect(report.timeseries.allSatisfy { $0.calls == 0 && $0.errors == 0 && $0.p50Ms == nil })
            #expect(report.summary.calls == 0)
            #expect(report.summary.errorRate == 0)
        }
    }

    @Test func badParametersAre400() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.withClient { client in
            let key = fixture.readKey
            #expect(try await Data.badRequest(client, "/api/v1/timeseries?bucket=90", key: key).contains("'bucket'"))
            #expect(try await Data.badRequest(client, "/api/v1/timeseries?bucket=5400", key: key).contains("multiple of 60"))
            #expect(try await Data.badRequest(client, "/api/v1/timeseries?bucket=abc", key: key).contains("'bucket'"))
            let tooMany = try await Data.badRequest(client, "/api/v1/timeseries?range=7d&bucket=60", key: key)
            #expect(tooMany.contains("buckets for this range"))
            #expect(try await Data.badRequest(client, "/api/v1/timeseries?range=2h", key: key).contains("15m|1h|6h|24h|7d"))
            #expect(try await Data.badRequest(client, "/api/v1/throughput?bucket=30", key: key).contains("'bucket'"))
            #expect(try await Data.badRequest(client, "/api/v1/matrix?from=yesterday", key: key).contains("'from'"))
            let response = try await Data.get(client, "/api/v1/timeseries", key: fixture.ingestKey)
            #expect(response.status == .forbidden)
        }
    }
}
