import Foundation
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

@Suite struct MatrixAPITests {
    typealias Data = AnalyticsTestData

    /// `search`: claude 1.3.0 fails 20 of 40, claude 1.2.0 2 of 200, cursor 1 of 100. `fetch`: 50 calls from each,
    /// none failed. A prompt from claude 1.3.0 that the matrix must ignore.
    static func calls() -> [Call] {
        Data.toolCalls("s13", tool: "search", count: 40, errors: 20, start: 0, client: Data.claude13)
            + Data.toolCalls("s12", tool: "search", count: 200, errors: 2, start: 60, client: Data.claude12)
            + Data.toolCalls("scu", tool: "search", count: 100, errors: 1, start: 120, client: Data.cursor091)
            + Data.toolCalls("f13", tool: "fetch", count: 50, start: 180, client: Data.claude13)
            + Data.toolCalls("f12", tool: "fetch", count: 50, start: 240, client: Data.claude12)
            + Data.toolCalls("fcu", tool: "fetch", count: 50, start: 300, client: Data.cursor091)
            + Data.toolCalls("p13", tool: "greet", count: 30, errors: 30, start: 360, client: Data.claude13, method: "prompts/get")
    }

    @Test func toolsByClientVersionWithTheHotCell() async throws {
        let fixture = try await Data.fixture(Self.calls())
        try await fixture.withClient { client in
            let report = try await Data.report(
                ErrorMatrixReport.self, client, "/api/v1/matrix?\(Data.range(0, 3600))", key: fixture.readKey
            )
            #expect(report.columns == [
                ClientVersion(client: "claude-code", version: "1.2.0"),
                ClientVersion(client: "claude-code", version: "1.3.0"),
                ClientVersion(client: "cursor", version: "0.9.1"),
            ])
            #expect(report.rows.map(\.tool) == ["search", "fetch"])
            #expect(report.calls == 490)
            #expect(report.errors == 23)
            #expect(abs(report.errorRate - 23.0 / 490) < 1e-12)
            #expect(report.hotPValue == 0.01 && report.hotMinimumErrors == 5)

            let search = report.rows[0]
            #expect(search.calls == 340 && search.errors == 23)
            #expect(search.cells.map(\.clientVersion) == ["1.2.0", "1.3.0", "0.9.1"])
            let hot = try #require(search.cell(ClientVersion(client: "claude-code", version: "1.3.0")))
            #expect(hot.calls == 40 && hot.errors == 20 && hot.errorRate == 0.5)
            #expect(hot.restCalls == 300 && hot.restErrors == 3)
            #expect(abs(hot.restErrorRate - 0.01) < 1e-12)
            #expect(hot.hot)
            // 40 × 23 / 340 ≈ 2.7 expected errors: Fisher's test. SciPy: fisher_exact([[20, 20], [3, 297]], "greater").
            let test = try #require(hot.test)
            #expect(test.method == .fisherExact)
            #expect(abs(test.pValue - 2.04852362865581e-18) < 1e-7 * 2.04852362865581e-18)
            #expect(search.cells.filter(\.hot).count == 1)
            let old = try #require(search.cell(ClientVersion(client: "claude-code", version: "1.2.0")))
            #expect(old.errors == 2 && !old.hot)
            #expect((old.test?.pValue ?? 0) > 0.5)

            let fetch = report.rows[1]
            #expect(fetch.calls == 150 && fetch.errors == 0 && fetch.errorRate == 0)
            #expect(fetch.cells.allSatisfy { !$0.hot && $0.test?.pValue == 1 })
        }
    }

    @Test func filtersNarrowRowsAndColumns() async throws {
        let fixture = try await Data.fixture(Self.calls())
        try await fixture.withClient { client in
            let cursor = try await Data.report(
                ErrorMatrixReport.self, client, "/api/v1/matrix?\(Data.range(0, 3600))&client=cursor", key: fixture.readKey
            )
            #expect(cursor.columns == [ClientVersion(client: "cursor", version: "0.9.1")])
            #expect(cursor.rows.map(\.calls) == [100, 50])
            // Alone in its tool, a cell has nothing to be compared with.
            #expect(cursor.rows.flatMap(\.cells).allSatisfy { $0.test == nil && !$0.hot && $0.restCalls == 0 })
            let fetch = try await Data.report(
                ErrorMatrixReport.self, client, "/api/v1/matrix?\(Data.range(0, 3600))&tool=fetch", key: fixture.readKey
            )
            #expect(fetch.rows.map(\.tool) == ["fetch"])
            #expect(fetch.columns.count == 3)
            // The first 20 search calls of claude 1.3.0 start in [0, 25 s): a range ending there sees only them.
            let early = try await Data.report(
                ErrorMatrixReport.self, client, "/api/v1/matrix?\(Data.range(0, 25))", key: fixture.readKey
            )
            #expect(early.rows.map(\.calls) == [20])
            #expect(early.rows.first?.errors == 20)
        }
    }

    @Test func emptyRangeIsAnEmptyMatrix() async throws {
        let fixture = try await Data.fixture(Self.calls())
        try await fixture.withClient { client in
            let report = try await Data.report(
                ErrorMatrixReport.self, client, "/api/v1/matrix?\(Data.range(-7200, -3600))", key: fixture.readKey
            )
            #expect(report.rows.isEmpty && report.columns.isEmpty)
            #expect(report.calls == 0 && report.errorRate == 0)
        }
    }
}
