import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

/// The pages built on ``Analytics`` and rollups, against ``DashboardScenario`` traffic.
@Suite struct DashboardAnalysisPagesTests {
    static func rate(_ calls: [Call]) -> String {
        DashboardFormat.percent(Double(calls.filter { $0.outcome != .ok }.count) / Double(calls.count))
    }

    @Test func overviewShowsTotalsAndCharts() async throws {
        let now = Date()
        let fixture = try await ServerFixture.make()
        let calls = DashboardScenario.calls(now: now)
        try await fixture.store.insert(calls, project: fixture.project.id)
        try await fixture.withClient { client in
            let cookie = try await DashboardBrowser.signIn(client, key: fixture.readKey)
            let page = try await DashboardBrowser.page(client, "/?range=24h", cookie: cookie)
            #expect(page.contains("<h1>Overview</h1>"))
            #expect(page.contains("id=\"card-calls\"><div class=\"label\">Calls</div><div class=\"value\">\(DashboardFormat.count(calls.count))</div>"))
            #expect(page.contains("id=\"card-error-rate\"><div class=\"label\">Error rate</div><div class=\"value\">\(Self.rate(calls))</div>"))
            #expect(page.contains("id=\"card-sessions\"><div class=\"label\">Sessions</div><div class=\"value\">21</div>"))
            for chart in ["chart-calls", "chart-errors", "chart-p95"] {
                #expect(page.contains("id=\"\(chart)\""))
            }
            #expect(page.components(separatedBy: "<svg class=\"chart\"").count == 4)
            #expect(page.contains("<title>"))
            #expect(page.contains("<li>tool error: <strong>\(DashboardFormat.count(calls.filter { $0.outcome == .toolError }.count))</strong></li>"))
        }
    }

    @Test func matrixMakesTheOneFailingClientVersionStandOut() async throws {
        let now = Date()
        let fixture = try await ServerFixture.make()
        let calls = DashboardScenario.calls(now: now)
        try await fixture.store.insert(calls, project: fixture.project.id)
        let cursorSearch = calls.filter { $0.target == "search" && $0.client?.name == "cursor" }
        let claudeSearch = calls.filter { $0.target == "search" && $0.client?.name == "claude-code" }
        try await fixture.withClient { client in
            let cookie = try await DashboardBrowser.signIn(client, key: fixture.readKey)
            let page = try await DashboardBrowser.page(client, "/matrix", cookie: cookie)
            #expect(page.contains("<h1>Error rate by tool × client version</h1>"))
            #expect(page.contains("<td class=\"cell heat-8 hot\""))
            #expect(page.components(separatedBy: " hot\"").count == 2)  // exactly one hot cell
            #expect(page.contains("<span class=\"rate\">\(Self.rate(cursorSearch)) <span class=\"badge red\">hot</span></span>"))
            #expect(page.contains("<td class=\"cell heat-3\""))
            #expect(page.contains("<span class=\"rate\">\(Self.rate(claudeSearch))</span>"))
            #expect(page.contains("search fails \(Self.rate(cursorSearch)) for cursor 0.9.1"))
            #expect(page.contains("id=\"matrix-legend\""))
            #expect(page.contains(">claude-code 1.2.0</a></th>"))
        }
    }

    @Test func throughputFlagsTheToolThatWentSilent() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.store.insert(DashboardScenario.calls(now: Date()), project: fixture.project.id)
        try await fixture.withClient { client in
            let cookie = try await DashboardBrowser.signIn(client, key: fixture.readKey)
            let page = try await DashboardBrowser.page(client, "/throughput?range=6h", cookie: cookie)
            #expect(page.contains("<h1>Throughput by tool</h1>"))
            #expect(page.contains("<section class=\"multiple dropped\" data-tool=\"export\">"))
            #expect(page.contains("<section class=\"multiple\" data-tool=\"search\">"))
            #expect(page.contains("<section class=\"multiple\" data-tool=\"forecast\">"))
            #expect(page.contains("1 tool stopped being called: export."))
            #expect(page.contains("<span class=\"badge red\">dropped</span> <span class=\"muted\">silent since 20"))
            #expect(page.components(separatedBy: "<svg class=\"chart spark\"").count == 4)
        }
    }

    @Test func sessionsListAndConcentrationVerdict() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.store.insert(DashboardScenario.calls(now: Date()), project: fixture.project.id)
        try await fixture.withClient { client in
            let cookie = try await DashboardBrowser.signIn(client, key: fixture.readKey)
            let page = try await DashboardBrowser.page(client, "/sessions?order=errors", cookie: cookie)
            #expect(page.contains("<h1>Sessions</h1>"))
            #expect(page.contains("data-verdict=\"concentrated\""))
            #expect(page.contains(HTML.escape(ErrorConcentration.Verdict.concentrated.sentence)))
            #expect(page.contains("id=\"top5-share\""))
            #expect(page.contains("id=\"top10-share\""))
            // One session (cursor-1) holds most of the errors.
            #expect(page.contains("id=\"half-error-sessions\"><div class=\"label\">Fewest sessions holding half the errors</div><div class=\"value\">1</div>"))
            // Most errors first: the cursor session leads the list.
            let list = try #require(page.range(of: "id=\"sessions-table\""))
            let firstLink = try #require(page.range(of: "href=\"/sessions/", range: list.upperBound..<page.endIndex))
            #expect(page[firstLink.upperBound...].hasPrefix("cursor-1?"))
            #expect(page.contains("<td>cursor 0.9.1</td>"))
        }
    }

    @Test func toolAndClientDetailPagesHaveTheirOwnCharts() async throws {
        let fixture = try await ServerFixture.make()
        let calls = DashboardScenario.calls(now: Date())
        try await fixture.store.insert(calls, project: fixture.project.id)
        try await fixture.withClient { client in
            let cookie = try await DashboardBrowser.signIn(client, key: fixture.readKey)
            let tool = try await DashboardBrowser.page(client, "/tools/search", cookie: cookie)
            #expect(tool.contains("<h1>Tool: <span id=\"target-name\">search</span></h1>"))
            let search = calls.filter { $0.target == "search" }
            #expect(tool.contains("<div class=\"value\">\(DashboardFormat.count(search.count))</div>"))
            #expect(tool.contains("id=\"chart-p95\""))
            #expect(tool.contains(">cursor</a>"))
            let cursor = try await DashboardBrowser.page(client, "/clients/cursor?clientVersion=0.9.1", cookie: cookie)
            #expect(cursor.contains("<h1>Client: <span id=\"peer-name\">cursor 0.9.1</span></h1>"))
            #expect(cursor.contains("<div class=\"value\">\(DashboardFormat.count(calls.filter { $0.client?.name == "cursor" }.count))</div>"))
            #expect(cursor.contains("id=\"chart-calls\""))
            let server = try await DashboardBrowser.page(client, "/servers/weather", cookie: cookie)
            #expect(server.contains(">export</a>"))
            let missing = try await DashboardBrowser.page(client, "/tools/never-called", cookie: cookie)
            #expect(missing.contains("id=\"empty-state\""))
        }
    }

    @Test func regressionsCallOutTheNewClientRelease() async throws {
        let fixture = try await ServerFixture.make()
        let now = Date()
        let old = PeerInfo(name: "claude-code", version: "1.2.0")
        let new = PeerInfo(name: "claude-code", version: "1.3.0")
        var calls: [Call] = []
        for index in 0..<200 {
            calls.append(Call(
                startedAt: now.addingTimeInterval(-6 * 3600 + Double(index) * 50), durationNs: 5_000_000,
                method: "tools/call", target: "search", outcome: index == 7 ? .toolError : .ok,
                session: "old-\(index / 20)", client: old, server: DashboardScenario.server
            ))
            calls.append(Call(
                startedAt: now.addingTimeInterval(-2 * 3600 + Double(index) * 30), durationNs: 5_000_000,
                method: "tools/call", target: "search", outcome: index % 4 == 0 ? .toolError : .ok,
                session: "new-\(index / 20)", client: new, server: DashboardScenario.server
            ))
        }
        try await fixture.store.insert(calls, project: fixture.project.id)
        try await fixture.withClient { client in
            let cookie = try await DashboardBrowser.signIn(client, key: fixture.readKey)
            let page = try await DashboardBrowser.page(client, "/regressions", cookie: cookie)
            #expect(page.contains("<h1>Client release regressions</h1>"))
            #expect(page.contains("claude-code 1.3.0 regressed on search: 25.0% vs 0% in 1.2.0"))
            #expect(page.contains("<span class=\"badge red\">regression</span>"))
            #expect(page.contains("<td class=\"num\">&lt; 0.001</td>"))
        }
        let quiet = try await ServerFixture.make()
        try await quiet.withClient { client in
            let cookie = try await DashboardBrowser.signIn(client, key: quiet.readKey)
            let page = try await DashboardBrowser.page(client, "/regressions", cookie: cookie)
            #expect(page.contains("No client released a new version in this range."))
        }
    }
}
