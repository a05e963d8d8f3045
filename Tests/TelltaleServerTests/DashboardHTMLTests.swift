import Foundation
import Testing
@testable import TelltaleServer

@Suite struct DashboardHTMLTests {
    @Test func interpolatedTextIsEscapedAndMarkupIsNot() {
        let name = "<script>alert(1)</script>"
        let cell: HTML = "<td title=\"\(name)\">\(name)</td>"
        #expect(cell.description == "<td title=\"&lt;script&gt;alert(1)&lt;/script&gt;\">&lt;script&gt;alert(1)&lt;/script&gt;</td>")
        let row: HTML = "<tr>\(cell)</tr>"
        #expect(row.description == "<tr>\(cell.description)</tr>")
        let quotes: HTML = "<a href=\"\("x\" onmouseover='y'")\">"
        #expect(quotes.description == "<a href=\"x&quot; onmouseover=&#39;y&#39;\">")
        #expect(HTML.text("a & b").description == "a &amp; b")
        let optional: String? = nil
        #expect(("<i>\(optional)</i>" as HTML).description == "<i></i>")
    }

    @Test func numbersAndFormats() {
        #expect(SVGNumber.format(12) == "12")
        #expect(SVGNumber.format(3.456) == "3.46")
        #expect(SVGNumber.format(.nan) == "0")
        #expect(SVGNumber.format(3.5) == "3.5")
        #expect(SVGNumber.format(0.25) == "0.25")
        #expect(SVGNumber.format(0.05) == "0.05")
        #expect(SVGNumber.format(-1.05) == "-1.05")
        #expect(SVGNumber.format(-0.004) == "0")
        #expect(SVGNumber.format(1234.999) == "1235")
        #expect(SVGNumber.format(.infinity) == "0")
        #expect(DashboardFormat.count(1_234_567) == "1,234,567")
        #expect(DashboardFormat.percent(0.4) == "40.0%")
        #expect(DashboardFormat.percent(0.0042) == "0.42%")
        #expect(DashboardFormat.milliseconds(12.34) == "12.3 ms")
        #expect(DashboardFormat.milliseconds(1500) == "1.50 s")
        #expect(DashboardFormat.milliseconds(nil) == "–")
        #expect(SVGChart.niceMaximum(7) == 8)
        #expect(SVGChart.niceMaximum(180) == 200)
        #expect(SVGChart.niceMaximum(3, integer: true) == 4)
        #expect(SVGChart.niceMaximum(16, integer: true) == 20)
        #expect(SVGChart.niceMaximum(9, integer: true) == 20)
        #expect(SVGChart.niceMaximum(0.3) == 0.4)
    }

    @Test func heatScaleKeepsTheBackgroundPaleAndHotCellsDark() {
        #expect(HeatScale.level(0) == 0)
        #expect(HeatScale.level(0.01) == 3)
        #expect(HeatScale.level(0.4) == 8)
        #expect(HeatScale.level(0.9) == 9)
        #expect(HeatScale.level(0.4) - HeatScale.level(0.01) >= 5)
    }

    @Test func filtersRoundTripThroughLinksAndReportBadValues() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let filters = DashboardFilters(URLQuery.decodeForm("range=1h&client=my+client&tag=env:prod&tag=bad&from=&tool=a%26b"), now: now)
        #expect(filters.range == "1h")
        #expect(filters.from == now.addingTimeInterval(-3600))
        #expect(filters.client == "my client")
        #expect(filters.tool == "a&b")
        #expect(filters.tags.map(\.key) == ["env"])
        #expect(filters.problems == ["tag 'bad' is not key:value"])
        #expect(filters.link("/tools") == "/tools?range=1h&client=my%20client&tool=a%26b&tag=env%3Aprod")
        let custom = DashboardFilters(URLQuery.decodeForm("from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&range=7d"), now: now)
        #expect(custom.range == nil)
        #expect(custom.seconds == 86400)
        #expect(custom.link("/") == "/?from=2026-01-01T00%3A00%3A00Z&to=2026-01-02T00%3A00%3A00Z")
        let bad = DashboardFilters(URLQuery.decodeForm("range=2y&from=yesterday"), now: now)
        #expect(bad.range == "24h")
        #expect(bad.problems.count == 2)
    }

    @Test func prettyJSONIndentsAndSortsKeys() {
        let text = PrettyJSON.text(.object(["b": .array([.number(1), .string("x")]), "a": .object([:])]))
        #expect(text == "{\n  \"a\": {},\n  \"b\": [\n    1,\n    \"x\"\n  ]\n}")
    }
}
