import Foundation
import TelltaleCore
import TelltaleStore

/// `/alerts`: every rule with its state, condition, scope, window, channels and last value; the channels;
/// and, for an admin session, forms to create and delete rules and channels and to send a test notification.
struct AlertsPage {
    let store: any CallStore

    func render(_ request: DashboardRequest) async throws -> DashboardPage {
        guard let alerts = store as? any AlertStore else {
            return DashboardPage(title: "Alerts", body: "<p class=\"muted\">This store does not keep alerts.</p>", showFilters: false)
        }
        let project = request.session.project.id
        let rules = try await alerts.alertRules(project: project)
        let states = try await alerts.alertStates(project: project)
        let channels = try await alerts.alertChannels(project: project)
        let admin = request.session.grant.scope == .admin
        let names = Dictionary(channels.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let rows = rules.map { rule -> HTML in
            let state = states[rule.id]
            let delete: HTML = admin && rule.source == .api
                ? AlertsPage.postButton("/alerts/rules/\(URLQuery.encode(rule.id))/delete", "Delete")
                : .empty
            return """
            <tr><td><a href="/alerts/rules/\(URLQuery.encode(rule.id))">\(rule.name)</a>\(rule.enabled ? HTML.empty : " <span class=\"badge gray\">disabled</span>")</td>
            <td>\(Self.stateBadge(state?.state ?? .ok))</td><td>\(rule.condition.text)</td><td>\(rule.scope.text)</td>
            <td>\(AlertDuration.format(rule.windowSeconds))\(rule.forSeconds > 0 ? " for \(AlertDuration.format(rule.forSeconds))" : "")</td>
            <td>\(rule.channelIDs.map { names[$0] ?? $0 }.joined(separator: ", "))</td>
            <td>\(state?.value.map { Self.number($0) } ?? "–")</td><td>\(rule.source.rawValue)</td><td>\(delete)</td></tr>
            """
        }
        let ruleTable: HTML = rules.isEmpty
            ? "<p class=\"empty\">No alert rules yet.</p>"
            : """
            <table><thead><tr><th scope="col">Rule</th><th scope="col">State</th><th scope="col">Condition</th><th scope="col">Scope</th>
            <th scope="col">Window</th><th scope="col">Channels</th><th scope="col">Last value</th><th scope="col">Source</th><th scope="col"></th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
        let channelRows = channels.map { channel -> HTML in
            let actions: HTML = admin
                ? AlertsPage.postButton("/alerts/channels/\(channel.id)/test", "Send test")
                    + (channel.id.hasPrefix("file:") ? .empty : AlertsPage.postButton("/alerts/channels/\(channel.id)/delete", "Delete"))
                : .empty
            let reply = AlertChannelReply(channel)
            let target = reply.to?.joined(separator: ", ") ?? reply.url ?? ""
            return "<tr><td>\(channel.name)</td><td>\(channel.kind.rawValue)</td><td>\(target)</td><td>\(actions)</td></tr>"
        }
        let channelTable: HTML = channels.isEmpty
            ? "<p class=\"empty\">No channels yet.</p>"
            : """
            <table><thead><tr><th scope="col">Channel</th><th scope="col">Kind</th><th scope="col">Target</th><th scope="col"></th></tr></thead>
            <tbody>\(channelRows)</tbody></table>
            """
        let message: HTML = request.parameter("message").map { "<div class=\"notice\" role=\"status\">\(HTML.text($0))</div>" } ?? .empty
        let error: HTML = request.parameter("error").map { "<div class=\"error-box\" role=\"alert\">\(HTML.text($0))</div>" } ?? .empty
        let body: HTML = """
        \(message)\(error)
        <section class="panel" id="alert-rules"><h2>Rules</h2>\(ruleTable)</section>
        <section class="panel" id="alert-channels"><h2>Channels</h2>\(channelTable)</section>
        \(admin ? Self.forms : .empty)
        """
        return DashboardPage(title: "Alerts", body: body, showFilters: false)
    }

    /// The admin forms: a rule definition (as in a rules file) and a channel.
    static let forms: HTML = """
    <section class="panel" id="new-rule"><h2>New rule</h2>
    <form method="post" action="/alerts/rules">
    <label for="rule-definition">Definition (YAML or JSON, as in a rules file; channels by name)</label>
    <textarea id="rule-definition" name="definition" rows="8" cols="70" required placeholder="name: slow-search
    scope: {server: weather, tool: search}
    condition: {kind: latency, percentile: p95, aboveMs: 800}
    window: 5m
    for: 1m
    channels: [ops]"></textarea>
    <button type="submit">Create rule</button></form></section>
    <section class="panel" id="new-channel"><h2>New channel</h2>
    <form method="post" action="/alerts/channels">
    <label for="channel-name">Name</label> <input id="channel-name" name="name" required>
    <label for="channel-kind">Kind</label> <select id="channel-kind" name="kind"><option>email</option><option>slack</option><option>webhook</option></select>
    <label for="channel-target">Recipients (email, comma-separated) or URL (Slack, webhook)</label> <input id="channel-target" name="target" required>
    <button type="submit">Create channel</button></form>
    <p class="muted">A webhook's signing secret is shown once, after creation.</p></section>
    """

    /// A one-button POST form.
    static func postButton(_ action: String, _ label: String) -> HTML {
        "<form method=\"post\" action=\"\(action)\" class=\"inline\"><button type=\"submit\">\(label)</button></form>"
    }

    static func stateBadge(_ state: AlertState) -> HTML {
        switch state {
        case .ok: "<span class=\"badge green\">ok</span>"
        case .pending: "<span class=\"badge amber\">pending</span>"
        case .firing: "<span class=\"badge red\">firing</span>"
        }
    }

    /// Up to two decimals, no trailing zeros: `12.5`, `800`, `0.33`.
    static func number(_ value: Double) -> String {
        AlertText.number(value, decimals: 2)
    }
}
