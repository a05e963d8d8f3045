import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

/// Every page against known data in a real SQLite store.
@Suite struct DashboardPagesTests {
    /// `text` as it appears in a page (escaped).
    static func escaped(_ text: String) -> String { HTML.escape(text) }

    @Test func tablesListTargetsAndPeersSortableAndEscaped() async throws {
        let fixture = try await ServerFixture.make()
        var calls = Fixtures.sampleCalls()
        calls.append(Call(
            startedAt: Fixtures.base.addingTimeInterval(9), durationNs: 1_000_000, method: "tools/call",
            target: "<script>alert(1)</script>", session: "s3", client: Fixtures.claude, server: Fixtures.weather
        ))
        try await fixture.store.insert(calls, project: fixture.project.id)
        try await fixture.withClient { client in
            let cookie = try await DashboardBrowser.signIn(client, key: fixture.readKey)
            let tools = try await DashboardBrowser.page(client, "/tools", cookie: cookie)
            #expect(tools.contains("<h1>Tools</h1>"))
            #expect(!tools.contains("<script>alert(1)</script>"))
            #expect(tools.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(tools.components(separatedBy: "<script").count == 2)  // only /assets/app.js
            #expect(tools.contains("href=\"/tools/%3Cscript%3Ealert%281%29%3C%2Fscript%3E?range=24h\""))
            // Default order: most requests first; sorted by name ascending on request.
            let search = try #require(tools.range(of: ">search</a>"))
            let forecast = try #require(tools.range(of: ">forecast</a>"))
            #expect(search.lowerBound < forecast.lowerBound)
            #expect(tools.contains("<td class=\"num\">50.0%</td>"))
            let byName = try await DashboardBrowser.page(client, "/tools?sort=name&dir=asc", cookie: cookie)
            #expect(try #require(byName.range(of: ">forecast</a>")).lowerBound < #require(byName.range(of: ">search</a>")).lowerBound)
            #expect(byName.contains("aria-sort=\"ascending\""))

            let prompts = try await DashboardBrowser.page(client, "/prompts", cookie: cookie)
            #expect(prompts.contains(">greet</a>"))
            let resources = try await DashboardBrowser.page(client, "/resources", cookie: cookie)
            #expect(resources.contains("href=\"/resources/detail?range=24h&amp;uri=file%3A%2F%2F%2Fa.txt\""))
            let clients = try await DashboardBrowser.page(client, "/clients", cookie: cookie)
            #expect(clients.contains(">claude-code</a>"))
            #expect(clients.contains("href=\"/clients/cursor?range=24h&amp;clientVersion=0.9.1\""))
            let servers = try await DashboardBrowser.page(client, "/servers", cookie: cookie)
            #expect(servers.contains(">weather</a>"))
        }
    }

    @Test func filtersStayInEveryLink() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.store.insert(Fixtures.sampleCalls(), project: fixture.project.id)
        try await fixture.withClient { client in
            let cookie = try await DashboardBrowser.signIn(client, key: fixture.readKey)
            let page = try await DashboardBrowser.page(client, "/tools?range=6h&client=cursor&tag=env:dev", cookie: cookie)
            let kept = "range=6h&amp;client=cursor&amp;tag=env%3Adev"
            for path in ["/", "/servers", "/clients", "/matrix", "/throughput", "/sessions", "/regressions"] {
                #expect(page.contains("href=\"\(path)?\(kept)\""), "nav link \(path)")
            }
            #expect(page.contains("href=\"/tools/forecast?\(kept)\""))
            #expect(!page.contains(">search</a>"))  // cursor never called search
            #expect(page.contains("href=\"/tools?\(kept)&amp;sort=name&amp;dir=asc\""))
            #expect(page.contains("href=\"/tools?range=1h&amp;client=cursor&amp;tag=env%3Adev\""))  // range links
            #expect(page.contains("id=\"filter-client\" name=\"client\" value=\"cursor\""))
            #expect(page.contains("<a href=\"/tools/forecast?\(kept)\">forecast</a>"))
        }
    }

    @Test func emptyStatesSayWhatToRun() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.withClient { client in
            let cookie = try await DashboardBrowser.signIn(client, key: fixture.readKey)
            for path in ["/tools", "/clients", "/servers", "/sessions", "/"] {
                let page = try await DashboardBrowser.page(client, path, cookie: cookie)
                #expect(page.contains("id=\"empty-state\""), "\(path)")
                #expect(page.contains("telltale run --endpoint http://localhost --api-key &lt;ingest key&gt; -- your-mcp-server"), "\(path)")
            }
            let filtered = try await DashboardBrowser.page(client, "/tools?client=nobody", cookie: cookie)
            #expect(filtered.contains("Filters are set"))
        }
    }

    @Test func sessionTimelineShowsCallsInOrderWithExpandablePayloads() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.store.insert(Fixtures.sampleCalls(), project: fixture.project.id)
        try await fixture.withClient { client in
            let cookie = try await DashboardBrowser.signIn(client, key: fixture.readKey)
            let page = try await DashboardBrowser.page(client, "/sessions/s1", cookie: cookie)
            #expect(page.contains("<h1>Session <span id=\"session-id\">s1</span></h1>"))
            let positions = try ["c1", "c2", "c6", "c7"].map { id in
                try #require(page.range(of: "data-call-id=\"\(id)\"")).lowerBound
            }
            #expect(positions == positions.sorted())
            #expect(page.contains("<td class=\"offset\">+1.000 s</td>"))
            #expect(page.contains("<span class=\"badge red\">toolError</span>"))
            #expect(page.contains("<div class=\"outcome-bad\">no results</div>"))
            #expect(page.contains("<details><summary>Arguments</summary><pre class=\"code\">{\n  &quot;name&quot;: &quot;search&quot;\n}</pre></details>"))
            #expect(page.contains("stdout pollution (3 lines)"))
            #expect(page.contains("<a href=\"/calls/c2?range=24h\">Call detail</a>"))
            #expect(page.contains("<span class=\"bar-track\" aria-hidden=\"true\"><span class=\"bar w3\"></span></span> 10.0 ms"))
            _ = try await DashboardBrowser.page(client, "/sessions/nope", cookie: cookie, status: .notFound)
        }
    }

    @Test func callDetailEscapesJSONAndLinksTheTrace() async throws {
        var setup = try await ServerFixture.make()
        setup.configuration.dashboard.traceLink = try TraceLinkTemplate(parsing: "jaeger=http://jaeger:16686")
        let fixture = setup
        let call = Call(
            id: "evil-1", startedAt: Fixtures.base, durationNs: 42_000_000, method: "tools/call", target: "search",
            outcome: .error, errorCode: -32603, errorMessage: "<b>boom</b>", session: "s9",
            client: Fixtures.claude, server: Fixtures.weather, protocolVersion: "2025-06-18", transport: .http,
            trace: TraceContext(traceId: DashboardTraceLinkTests.trace, spanId: DashboardTraceLinkTests.span),
            request: .object(["query": .string("</pre><script>alert(1)</script>")]),
            response: .object(["error": .object(["message": .string("<b>boom</b>")])])
        )
        try await fixture.store.insert([call], project: fixture.project.id)
        try await fixture.withClient { client in
            let cookie = try await DashboardBrowser.signIn(client, key: fixture.readKey)
            let page = try await DashboardBrowser.page(client, "/calls/evil-1", cookie: cookie)
            #expect(!page.contains("<script>alert(1)</script>"))
            #expect(page.contains("<pre class=\"code\" id=\"request-json\">{\n  &quot;query&quot;: &quot;&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;\n}</pre>"))
            #expect(page.contains("id=\"call-error\">code -32603: &lt;b&gt;boom&lt;/b&gt;</dd>"))
            #expect(page.contains("href=\"http://jaeger:16686/trace/\(DashboardTraceLinkTests.trace)\""))
            #expect(page.contains("<dd>2025-06-18</dd>"))
            #expect(page.contains("<dd>http</dd>"))
            #expect(page.contains("42.0 ms"))
            _ = try await DashboardBrowser.page(client, "/calls/none", cookie: cookie, status: .notFound)
        }
    }
}
