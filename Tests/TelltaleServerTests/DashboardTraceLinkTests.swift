import Foundation
import Testing
@testable import TelltaleServer

@Suite struct DashboardTraceLinkTests {
    static let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let span = "00f067aa0ba902b7"

    @Test(arguments: [
        ("datadog", "https://app.datadoghq.com/apm/trace/\(trace)"),
        ("datadog=datadoghq.eu", "https://app.datadoghq.eu/apm/trace/\(trace)"),
        ("datadog=us5.datadoghq.com", "https://us5.datadoghq.com/apm/trace/\(trace)"),
        ("sentry=https://acme.sentry.io/", "https://acme.sentry.io/explore/traces/trace/\(trace)/"),
        ("newrelic", "https://one.newrelic.com/distributed-tracing?query=trace.id%3D\(trace)"),
        ("newrelic=eu", "https://one.eu.newrelic.com/distributed-tracing?query=trace.id%3D\(trace)"),
        ("jaeger=http://jaeger.internal:16686", "http://jaeger.internal:16686/trace/\(trace)"),
        ("https://traces.example/t/{traceId}?span={spanId}", "https://traces.example/t/\(trace)?span=\(span)"),
    ])
    func presetsBuildTheVendorTraceURL(value: String, expected: String) throws {
        let template = try TraceLinkTemplate(parsing: value)
        #expect(template.url(traceId: Self.trace, spanId: Self.span) == expected)
    }

    @Test func tempoLinksToGrafanaExploreWithATraceQLQueryOnTheDataSource() throws {
        for (value, uid) in [("tempo=http://grafana:3000", "tempo"), ("tempo=http://grafana:3000/,my-tempo", "my-tempo")] {
            let url = try TraceLinkTemplate(parsing: value).url(traceId: Self.trace)
            let components = try #require(URLComponents(string: url))
            #expect(url.hasPrefix("http://grafana:3000/explore?"))
            let panes = try #require(components.queryItems?.first { $0.name == "panes" }?.value)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(panes.utf8)) as? [String: Any])
            let pane = try #require(object["a"] as? [String: Any])
            #expect(pane["datasource"] as? String == uid)
            let query = try #require((pane["queries"] as? [[String: Any]])?.first)
            #expect(query["queryType"] as? String == "traceql")
            #expect(query["query"] as? String == Self.trace)
            #expect((query["datasource"] as? [String: Any])?["uid"] as? String == uid)
        }
    }

    @Test(arguments: ["zipkin", "sentry", "jaeger=ftp://host", "https://traces.example/no-placeholder", "", "datadog=bad site"])
    func invalidValuesAreRefusedWithTheAcceptedForms(value: String) {
        #expect {
            try TraceLinkTemplate(parsing: value)
        } throws: { error in
            "\(error)".contains("invalid --trace-link") && "\(error)".contains("jaeger=http://HOST:16686")
        }
    }

    @Test func idsArePercentEncoded() throws {
        let template = try TraceLinkTemplate(parsing: "jaeger=http://j:16686")
        #expect(template.url(traceId: "a/b?c") == "http://j:16686/trace/a%2Fb%3Fc")
    }
}
