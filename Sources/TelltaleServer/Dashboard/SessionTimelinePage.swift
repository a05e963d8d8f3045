import Foundation
import TelltaleCore
import TelltaleStore

/// `/sessions/{id}`: what the agent did, call by call: time offset, method, target, outcome, a duration bar,
/// and the captured arguments and results behind `<details>`.
struct SessionTimelinePage {
    let store: any CallStore
    let id: String

    /// Most records shown for one session.
    static let limit = 2000

    func render(_ request: DashboardRequest) async throws -> DashboardPage {
        // The whole session, whatever the page's range and filters.
        let everything = CallQuery(project: request.session.project.id, from: .distantPast, to: request.now.addingTimeInterval(86400))
        let calls = try await store.sessionCalls(session: id, query: everything, limit: Self.limit)
        guard let first = calls.first else {
            throw DashboardNotFound(message: "No session '\(id)' in this project.")
        }
        let requests = calls.filter { $0.kind == .request }
        let errors = requests.filter { $0.outcome != .ok }.count
        let longest = max(requests.map(\.durationNs).max() ?? 1, 1)
        let last = calls.last?.startedAt ?? first.startedAt
        let client = calls.lazy.compactMap(\.client).first
        let server = calls.lazy.compactMap(\.server).first
        let rows = calls.enumerated().map { index, call in row(index, call, start: first.startedAt, longest: longest, request) }
        let facts: HTML = """
        <dl class="facts" id="session-facts">
        <dt>Session</dt><dd>\(id)</dd>
        <dt>Client</dt><dd>\(DashboardFormat.peer(client))</dd>
        <dt>Server</dt><dd>\(DashboardFormat.peer(server))</dd>
        <dt>Transport</dt><dd>\(first.transport.rawValue)</dd>
        <dt>Started</dt><dd>\(DashboardFormat.timestamp(first.startedAt))</dd>
        <dt>Duration</dt><dd>\(DashboardFormat.duration(last.timeIntervalSince(first.startedAt)))</dd>
        <dt>Requests</dt><dd>\(DashboardFormat.count(requests.count)), \(DashboardFormat.count(errors)) failed</dd>
        </dl>
        """
        let truncated: HTML = calls.count >= Self.limit ? "<p class=\"notice\">Showing the first \(Self.limit) records.</p>" : .empty
        let body: HTML = """
        <p><a href="\(request.filters.link("/sessions"))">← All sessions</a></p>
        \(facts)
        <h2>Timeline</h2>
        \(truncated)
        <table class="data timeline" id="timeline">
        <thead><tr><th scope="col">#</th><th scope="col">Offset</th><th scope="col">Method</th><th scope="col">Target</th>
        <th scope="col">Outcome</th><th scope="col" class="bar-cell">Duration</th><th scope="col">Details</th></tr></thead>
        <tbody>\(rows)</tbody>
        </table>
        """
        return DashboardPage(title: "Session \(SessionsPage.shortID(id))", heading: "Session <span id=\"session-id\">\(SessionsPage.shortID(id))</span>", body: body)
    }

    private func row(_ index: Int, _ call: Call, start: Date, longest: Int64, _ request: DashboardRequest) -> HTML {
        let offset = String(format: "+%.3f s", call.startedAt.timeIntervalSince(start))
        let target: HTML = call.target.map { name in
            switch call.method {
            case "tools/call": DashboardComponents.targetLink(.tool, name, request)
            case "prompts/get": DashboardComponents.targetLink(.prompt, name, request)
            case "resources/read": DashboardComponents.targetLink(.resource, name, request)
            default: HTML.text(name)
            }
        } ?? "–"
        let details = [("Arguments", call.request), ("Result", call.response)].compactMap { label, value -> HTML? in
            guard let value else { return nil }
            return "<details><summary>\(label)</summary><pre class=\"code\">\(PrettyJSON.text(value))</pre></details>"
        }
        let error: HTML = call.errorMessage.map { "<div class=\"outcome-bad\">\($0)</div>" } ?? .empty
        return """
        <tr id="call-\(index + 1)" data-call-id="\(call.id)">
        <td>\(index + 1)</td>
        <td class="offset">\(offset)</td>
        <td>\(call.method)</td>
        <td>\(target)</td>
        <td>\(Self.outcome(call))</td>
        <td class="bar-cell">\(Self.durationBar(call, longest: longest))</td>
        <td>\(error)\(details)<a href="\(request.filters.link("/calls/\(URLQuery.encode(call.id))"))">Call detail</a></td>
        </tr>
        """
    }

    /// The outcome as a badge (kind for notifications and pollution).
    static func outcome(_ call: Call) -> HTML {
        switch call.kind {
        case .notification: return "<span class=\"badge gray\">notification</span>"
        case .pollution: return "<span class=\"badge amber\">stdout pollution (\(call.pollutionLines ?? 0) lines)</span>"
        case .request:
            return call.outcome == .ok
                ? "<span class=\"badge green\">ok</span>"
                : "<span class=\"badge red\">\(call.outcome.rawValue)</span>"
        }
    }

    /// A bar as wide as the call's share of the session's longest call (in tenths), and the duration.
    static func durationBar(_ call: Call, longest: Int64) -> HTML {
        guard call.kind == .request else { return "–" }
        let tenths = Int((Double(call.durationNs) / Double(longest) * 10).rounded())
        let bad: HTML = call.outcome == .ok ? "" : " bad"
        let ms = Double(call.durationNs) / 1_000_000
        return "<span class=\"bar-track\" aria-hidden=\"true\"><span class=\"bar w\(min(max(tenths, 0), 10))\(bad)\"></span></span> \(DashboardFormat.milliseconds(ms))"
    }
}
