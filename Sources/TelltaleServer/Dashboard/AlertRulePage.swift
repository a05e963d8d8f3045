import Foundation
import TelltaleCore
import TelltaleStore

/// `/alerts/rules/{id}`: one rule's definition and state, its transition history and its delivery log.
struct AlertRulePage {
    let store: any CallStore
    let id: String

    func render(_ request: DashboardRequest) async throws -> DashboardPage {
        let project = request.session.project.id
        guard let alerts = store as? any AlertStore, let rule = try await alerts.alertRule(id: id, project: project) else {
            throw DashboardNotFound(message: "No alert rule with this id in this project.")
        }
        let state = try await alerts.alertStates(project: project)[rule.id]
        let history = try await alerts.alertHistory(project: project, ruleID: rule.id, limit: 100)
        let deliveries = try await alerts.alertDeliveries(project: project, ruleID: rule.id, limit: 100)
        let historyRows = history.map { transition -> HTML in
            """
            <tr><td>\(DashboardFormat.timestamp(transition.at))</td><td>\(transition.kind.rawValue)</td>
            <td>\(transition.value.map { AlertsPage.number($0) } ?? "–")</td><td>\(AlertsPage.number(transition.threshold))</td>
            <td>\(transition.summary)</td></tr>
            """
        }
        let deliveryRows = deliveries.map { delivery -> HTML in
            """
            <tr><td>\(DashboardFormat.timestamp(delivery.transitionAt))</td><td>\(delivery.transitionKind.rawValue)</td>
            <td>\(delivery.channelName) (\(delivery.channelKind.rawValue))</td><td>\(delivery.status.rawValue)</td>
            <td>\(delivery.attempts)</td><td>\(delivery.lastError ?? "")</td></tr>
            """
        }
        let body: HTML = """
        <p><a href="/alerts">All alerts</a></p>
        <section class="panel" id="rule-definition"><h2>Definition</h2>
        <p>\(AlertsPage.stateBadge(state?.state ?? .ok)) \(rule.condition.text) over \(AlertDuration.format(rule.windowSeconds))\(rule.forSeconds > 0 ? " for \(AlertDuration.format(rule.forSeconds))" : ""), scope \(rule.scope.text), source \(rule.source.rawValue).</p>
        \(state.map { "<p class=\"muted\">Last value \($0.value.map { AlertsPage.number($0) } ?? "–"), \($0.state.rawValue) since \(DashboardFormat.timestamp($0.since)).</p>" as HTML } ?? .empty)
        </section>
        <section class="panel" id="rule-history"><h2>History</h2>
        \(history.isEmpty ? "<p class=\"empty\">No transitions yet.</p>" as HTML : """
        <table><thead><tr><th scope="col">At</th><th scope="col">Transition</th><th scope="col">Value</th><th scope="col">Threshold</th><th scope="col">Summary</th></tr></thead>
        <tbody>\(historyRows)</tbody></table>
        """)
        </section>
        <section class="panel" id="rule-deliveries"><h2>Deliveries</h2>
        \(deliveries.isEmpty ? "<p class=\"empty\">No notifications yet.</p>" as HTML : """
        <table><thead><tr><th scope="col">At</th><th scope="col">Transition</th><th scope="col">Channel</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last error</th></tr></thead>
        <tbody>\(deliveryRows)</tbody></table>
        """)
        </section>
        """
        return DashboardPage(title: "Alert: \(rule.name)", body: body, showFilters: false)
    }
}
