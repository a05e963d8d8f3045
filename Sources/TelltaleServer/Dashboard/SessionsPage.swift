import Foundation
import TelltaleStore

/// `/sessions`: sessions active in the range (most recent or most errors first) and how concentrated
/// errors are across them.
struct SessionsPage {
    let store: any CallStore

    /// How many sessions the list shows.
    static let limit = 200

    func render(_ request: DashboardRequest) async throws -> DashboardPage {
        let order = SessionOrder(rawValue: request.parameter("order") ?? "") ?? .recent
        async let sessionsResult = store.sessions(request.query, order: order, limit: Self.limit)
        async let concentrationResult = Analytics(store: store).concentration(request.query)
        let sessions = try await sessionsResult
        guard !sessions.isEmpty else {
            return DashboardPage(title: "Sessions", body: DashboardComponents.noDataYet(request, what: "sessions"))
        }
        let concentration = try await concentrationResult
        let orders: [(SessionOrder, String)] = [(.recent, "Most recent"), (.errors, "Most errors"), (.calls, "Most calls")]
        let links = orders.map { candidate, label -> HTML in
            let current: HTML = candidate == order ? " aria-current=\"true\"" : ""
            return "<a href=\"\(request.filters.link("/sessions", [("order", candidate.rawValue)]))\"\(current)>\(label)</a>"
        }
        let body: HTML = """
        \(ConcentrationPanel.render(concentration, request))
        <h2>Sessions</h2>
        <div class="ranges" id="session-order">\(links)</div>
        \(Self.table(sessions, request, id: "sessions-table"))
        <p class="muted">Showing up to \(Self.limit) sessions active in the range; totals cover each whole session.</p>
        """
        return DashboardPage(title: "Sessions", body: body)
    }

    /// The session rows: id (link to the timeline), client, server, calls, errors, duration, pollution.
    static func table(_ sessions: [SessionStats], _ request: DashboardRequest, id: String) -> HTML {
        guard !sessions.isEmpty else { return "<p class=\"muted\">No sessions.</p>" }
        let rows = sessions.map { session -> HTML in
            let pollution: HTML = session.stdoutPollution > 0
                ? "<span class=\"badge amber\">\(DashboardFormat.count(session.stdoutPollution)) lines</span>" : "0"
            let errors: HTML = session.errors > 0
                ? "<span class=\"outcome-bad\">\(DashboardFormat.count(session.errors))</span>" : "0"
            return """
            <tr>
            <td><a href="\(request.filters.link("/sessions/\(URLQuery.encode(session.id))"))">\(shortID(session.id))</a></td>
            <td>\(DashboardFormat.peer(session.client))</td>
            <td>\(DashboardFormat.peer(session.server))</td>
            <td class="num">\(DashboardFormat.count(session.calls))</td>
            <td class="num">\(errors)</td>
            <td class="num">\(DashboardFormat.duration(session.lastSeen.timeIntervalSince(session.firstSeen)))</td>
            <td class="num">\(pollution)</td>
            <td><time datetime="\(RFC3339Text.string(session.lastSeen))">\(DashboardFormat.ago(session.lastSeen, now: request.now))</time></td>
            </tr>
            """
        }
        return """
        <table class="data" id="\(id)">
        <thead><tr><th scope="col">Session</th><th scope="col">Client</th><th scope="col">Server</th>
        <th scope="col" class="num">Calls</th><th scope="col" class="num">Errors</th><th scope="col" class="num">Duration</th>
        <th scope="col" class="num">Stdout pollution</th><th scope="col">Last active</th></tr></thead>
        <tbody>\(rows)</tbody>
        </table>
        """
    }

    /// A session id short enough for a table cell (full id in the link).
    static func shortID(_ id: String) -> String {
        id.count > 18 ? String(id.prefix(8)) + "…" + String(id.suffix(6)) : id
    }
}
