import Foundation
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

@Suite struct ThroughputAPITests {
    typealias Data = AnalyticsTestData

    /// Over 10 minutes: `search` 10 calls a minute for 6 minutes then silent (λ = 40 for the last 4);
    /// `fetch` 1 call every minute; `rare` 1 call in minutes 0 and 2 then silent (λ = 7 × 2/3 < 5).
    static func calls() -> [Call] {
        var calls: [Call] = []
        for minute in 0..<6 {
            calls += Data.toolCalls("s\(minute)", tool: "search", count: 10, errors: minute == 0 ? 3 : 0, start: Double(minute) * 60)
        }
        for minute in 0..<10 {
            calls += Data.toolCalls("f\(minute)", tool: "fetch", count: 1, start: Double(minute) * 60 + 5)
        }
        for minute in [0, 2] {
            calls += Data.toolCalls("r\(minute)", tool: "rare", count: 1, start: Double(minute) * 60 + 10)
        }
        return calls + Data.toolCalls("p", tool: "greet", count: 5, start: 0, method: "prompts/get")
    }

    @Test func countsPerToolAndTheDroppedTool() async throws {
        let fixture = try await Data.fixture(Self.calls())
        try await fixture.withClient { client in
            let report = try await Data.report(
                ThroughputReport.self, client, "/api/v1/throughput?\(Data.range(0, 600))", key: fixture.readKey
            )
            #expect(report.bucketSeconds == 60)
            #expect(report.buckets == (0..<10).map { Data.at(Double($0) * 60) })
            #expect(report.tools.map(\.tool) == ["search", "fetch", "rare"])

            let search = report.tools[0]
            #expect(search.counts == [10, 10, 10, 10, 10, 10, 0, 0, 0, 0])
            #expect(search.calls == 60 && search.errors == 3)
            #expect(search.drop.dropped)
            #expect(search.drop.silentBuckets == 4)
            #expect(search.drop.baselinePerBucket == 10)
            #expect(search.drop.expectedCalls == 40)
            #expect(abs(search.drop.pValue - exp(-40)) < 1e-20)
            #expect(search.silentSince == Data.at(360))

            let fetch = report.tools[1]
            #expect(fetch.counts == Array(repeating: 1, count: 10))
            #expect(!fetch.drop.dropped && fetch.silentSince == nil && fetch.drop.pValue == 1)

            let rare = report.tools[2]
            #expect(rare.counts == [1, 0, 1, 0, 0, 0, 0, 0, 0, 0])
            #expect(!rare.drop.dropped)
            #expect(rare.drop.silentBuckets == 7)
            #expect(abs(rare.drop.expectedCalls - 7 * 2.0 / 3) < 1e-12)
            #expect(rare.silentSince == Data.at(180))
            #expect(report.dropped.map(\.tool) == ["search"])
            #expect(report.settledUntil == report.to)
        }
    }

    @Test func theLastMinuteBeforeNowIsNotEvidenceOfSilence() async throws {
        let fixture = try await Data.fixture(Self.calls())
        let query = CallQuery(project: fixture.project.id, from: Data.at(0), to: Data.at(600))
        // Asked at 390 s: records of calls after 330 s may still be arriving, so search's silence from 360 s on
        // is not yet evidence (its buckets get no weight) and rare's silence counts only up to 330 s.
        let early = try await Analytics(store: fixture.store, now: { Data.at(390) }).throughput(query, bucketSeconds: 60)
        #expect(early.settledUntil == Data.at(330))
        let search = try #require(early.tools.first { $0.tool == "search" })
        #expect(search.counts == [10, 10, 10, 10, 10, 10, 0, 0, 0, 0])
        #expect(search.drop.expectedCalls == 0 && !search.drop.dropped)
        let rare = try #require(early.tools.first { $0.tool == "rare" })
        #expect(abs(rare.drop.expectedCalls - 2.0 / 3 * 2.5) < 1e-12)
        // Asked at 700 s, the whole range has settled: search dropped.
        let late = try await Analytics(store: fixture.store, now: { Data.at(700) }).throughput(query, bucketSeconds: 60)
        #expect(late.settledUntil == Data.at(600))
        #expect(late.dropped.map(\.tool) == ["search"])
        // Asked before the range even started: nothing is settled, nothing is flagged.
        let before = try await Analytics(store: fixture.store, now: { Data.at(-100) }).throughput(query, bucketSeconds: 60)
        #expect(before.settledUntil == Data.at(0))
        #expect(before.dropped.isEmpty)
    }

    @Test func partialEdgesAndCoarserBuckets() async throws {
        let fixture = try await Data.fixture(Self.calls())
        try await fixture.withClient { client in
            // [30 s, 570 s): the first bucket holds only search calls from 30 s (4 of them: 30, 35, 40, 45).
            let partial = try await Data.report(
                ThroughputReport.self, client, "/api/v1/throughput?\(Data.range(30, 570))&bucket=60", key: fixture.readKey
            )
            #expect(partial.buckets.count == 10)
            let search = try #require(partial.tools.first { $0.tool == "search" })
            #expect(search.counts == [4, 10, 10, 10, 10, 10, 0, 0, 0, 0])
            // Baseline: 54 calls over 5.5 bucket-widths; silent span 3.5 widths (last bucket half inside).
            #expect(abs((search.drop.baselinePerBucket ?? 0) - 54 / 5.5) < 1e-9)
            #expect(abs(search.drop.expectedCalls - 54 / 5.5 * 3.5) < 1e-9)
            let coarse = try await Data.report(
                ThroughputReport.self, client, "/api/v1/throughput?\(Data.range(0, 600))&bucket=300", key: fixture.readKey
            )
            #expect(coarse.tools.first { $0.tool == "search" }?.counts == [50, 10])
            #expect(coarse.tools.allSatisfy { !$0.drop.dropped })
        }
    }

    @Test func filtersAndEmptyRange() async throws {
        let fixture = try await Data.fixture(Self.calls())
        try await fixture.withClient { client in
            let fetch = try await Data.report(
                ThroughputReport.self, client, "/api/v1/throughput?\(Data.range(0, 600))&tool=fetch", key: fixture.readKey
            )
            #expect(fetch.tools.map(\.tool) == ["fetch"])
            let otherClient = try await Data.report(
                ThroughputReport.self, client, "/api/v1/throughput?\(Data.range(0, 600))&client=cursor", key: fixture.readKey
            )
            #expect(otherClient.tools.isEmpty)
            #expect(otherClient.buckets.count == 10)
            let empty = try await Data.report(
                ThroughputReport.self, client, "/api/v1/throughput?\(Data.range(-600, 0))", key: fixture.readKey
            )
            #expect(empty.tools.isEmpty && empty.buckets.count == 10)
        }
    }
}
