import Foundation
import TelltaleCore
import TelltaleStore

/// `/calls/{id}`: one call as captured: request and response JSON, error, timing, peers, protocol,
/// transport, tags, and the trace id linked through the configured template.
struct CallDetailPage {
    let store: any CallStore
    let id: String

    func render(_ request: DashboardRequest) async throws -> DashboardPage {
        guard let call = try await store.call(id: id, project: request.session.project.id) else {
            throw DashboardNotFound(message: "No call '\(id)' in this project.")
        }
        let trace: HTML
        if let context = call.trace {
            let link: HTML = request.configuration.dashboard.traceLink.map { template in
                " <a id=\"trace-link\" href=\"\(template.url(traceId: context.traceId, spanId: context.spanId))\" rel=\"noopener noreferrer\" target=\"_blank\">Open trace\(template.preset.map { " in \($0)" } ?? "")</a>"
            } ?? " <span class=\"muted\">(start the server with --trace-link to link it)</span>"
            trace = "<code id=\"trace-id\">\(context.traceId)</code>\(link) · span <code>\(context.spanId)</code>"
        } else {
            trace = "<span class=\"muted\">none captured</span>"
        }
        let tags = call.tags.sorted { $0.key < $1.key }.map { key, value -> HTML in "<code>\(key)=\(value)</code>" }
        let error: HTML = call.outcome == .ok ? "<span class=\"muted\">none</span>"
            : "\(call.errorCode.map { "code \($0): " } ?? "")\(call.errorMessage ?? "(no message)")"
        let facts: HTML = """
        <dl class="facts" id="call-facts">
        <dt>Outcome</dt><dd>\(SessionTimelinePage.outcome(call))</dd>
        <dt>Error</dt><dd id="call-error">\(error)</dd>
        <dt>Method</dt><dd>\(call.method)</dd>
        <dt>Target</dt><dd>\(call.target ?? "–")</dd>
        <dt>Started</dt><dd>\(DashboardFormat.timestamp(call.startedAt))</dd>
        <dt>Duration</dt><dd>\(DashboardFormat.milliseconds(Double(call.durationNs) / 1_000_000))</dd>
        <dt>Client</dt><dd>\(DashboardFormat.peer(call.client))</dd>
        <dt>Server</dt><dd>\(DashboardFormat.peer(call.server))</dd>
        <dt>Protocol</dt><dd>\(call.protocolVersion ?? "–")</dd>
        <dt>Transport</dt><dd>\(call.transport.rawValue)</dd>
        <dt>Session</dt><dd><a href="\(request.filters.link("/sessions/\(URLQuery.encode(call.session))"))">\(call.session)</a></dd>
        <dt>Request id</dt><dd>\(call.requestId ?? "–")</dd>
        <dt>Trace</dt><dd>\(trace)</dd>
        <dt>Tags</dt><dd>\(tags.isEmpty ? HTML.text("–") : HTML.join(tags, separator: " "))</dd>
        <dt>Sizes</dt><dd>request \(DashboardFormat.count(call.requestBytes)) B, response \(DashboardFormat.count(call.responseBytes)) B</dd>
        <dt>Call id</dt><dd>\(call.id)</dd>
        </dl>
        """
        let body: HTML = """
        \(facts)
        <div class="grid2">
        <section class="panel"><h2>Request</h2>\(Self.payload(call.request, id: "request-json"))</section>
        <section class="panel"><h2>Response</h2>\(Self.payload(call.response, id: "response-json"))</section>
        </div>
        """
        let heading: HTML = "Call <code>\(call.method)</code> \(call.target ?? "")"
        return DashboardPage(title: "Call \(call.target ?? call.method)", heading: heading, body: body, showFilters: false)
    }

    /// A payload as indented JSON, or why there is none.
    static func payload(_ value: JSONValue?, id: String) -> HTML {
        guard let value else {
            return "<p class=\"muted\" id=\"\(id)\">Not captured (payload capture off, or no payload).</p>"
        }
        return "<pre class=\"code\" id=\"\(id)\">\(PrettyJSON.text(value))</pre>"
    }
}
