import Foundation
import Hummingbird
import TelltaleCore
import TelltaleStore
import Yams

/// The admin forms of the Alerts page: create and delete rules and channels, send a test notification.
///
/// Posts need a signed-in admin session and must come from this site (same rule as the other dashboard
/// forms); each answers with a 303 back to `/alerts` carrying a message, except a new webhook channel,
/// whose page shows the signing secret once.
struct AlertsDashboardActions: Sendable {
    let store: any CallStore
    let services: AlertServices
    let configuration: ServerConfiguration

    /// Largest form body read, in bytes.
    static let formLimit = 64 * 1024

    func register(on router: Router<TelltaleRequestContext>) {
        router.post("/alerts/rules") { request, _ in
            try await act(request) { alerts, session, fields in
                let text = fields.last { $0.0 == "definition" }?.1 ?? ""
                let node: Node?
                do { node = try Yams.compose(yaml: text) } catch { return failure("The definition is not valid YAML or JSON.") }
                guard let node else { return failure("Enter a rule definition.") }
                var reader = DefinitionReader()
                guard let definition = reader.rule(node), reader.problems.isEmpty else {
                    return failure(reader.problems.map(\.message).joined(separator: "; "))
                }
                try await editor(alerts, session.project.id).createRule(definition)
                return success("Rule '\(definition.name)' created.")
            }
        }
        router.post("/alerts/rules/{id}/delete") { request, context in
            let id = try context.pathParameter("id")
            return try await act(request) { alerts, session, _ in
                guard let rule = try await alerts.alertRule(id: id, project: session.project.id) else { return failure("No such rule.") }
                guard rule.source == .api else { return failure("Rule '\(rule.name)' comes from the rules file and is read-only.") }
                _ = try await alerts.deleteAlertRule(id: id, project: session.project.id)
                return success("Rule '\(rule.name)' deleted.")
            }
        }
        router.post("/alerts/channels") { request, _ in
            try await act(request) { alerts, session, fields in
                try await createChannel(fields, alerts, session.project.id)
            }
        }
        router.post("/alerts/channels/{id}/delete") { request, context in
            let id = try context.pathParameter("id")
            return try await act(request) { alerts, session, _ in
                guard let channel = try await alerts.alertChannels(project: session.project.id).first(where: { $0.id == id }) else {
                    return failure("No such channel.")
                }
                guard !channel.id.hasPrefix("file:") else { return failure("Channel '\(channel.name)' comes from the rules file and is read-only.") }
                _ = try await alerts.deleteAlertChannel(id: id, project: session.project.id)
                return success("Channel '\(channel.name)' deleted.")
            }
        }
        router.post("/alerts/channels/{id}/test") { request, context in
            let id = try context.pathParameter("id")
            return try await act(request) { alerts, session, _ in
                guard let channel = try await alerts.alertChannels(project: session.project.id).first(where: { $0.id == id }) else {
                    return failure("No such channel.")
                }
                guard let sender = services.testSender else { return failure("Notification delivery is not running on this server.") }
                let delivery = await sender.sendTest(channel: channel, project: session.project.id, projectName: session.project.name)
                return delivery.status == .delivered
                    ? success("Test notification delivered to '\(channel.name)'.")
                    : failure("Test notification to '\(channel.name)' failed: \(delivery.lastError ?? delivery.status.rawValue)")
            }
        }
    }

    /// Runs `action` for a same-site post of a signed-in admin session, with the form's fields.
    private func act(
        _ request: Request,
        _ action: (any AlertStore, DashboardSession, [(String, String)]) async throws -> Response
    ) async throws -> Response {
        guard let (_, session) = try await DashboardAuth(store: store).session(request, now: Date()) else {
            return DashboardAuth.signInRedirect(request)
        }
        guard DashboardAuth.sameOrigin(request) else {
            return Self.forbidden("Alert changes must come from this site.")
        }
        guard session.grant.scope == .admin else {
            return Self.forbidden("Changing alerts needs an admin sign-in; this session can only read.")
        }
        guard let alerts = store as? any AlertStore else { return failure("This store does not keep alerts.") }
        let body = try await request.body.collect(upTo: Self.formLimit)
        do {
            return try await action(alerts, session, URLQuery.decodeForm(String(buffer: body)))
        } catch let refusal as AlertsEditor.Refusal {
            // "Another alert rule is named 'x'." reads as a sentence; "url is refused: …" names the field as typed.
            return failure(refusal.kind == .conflict ? refusal.message.prefix(1).uppercased() + refusal.message.dropFirst() + "." : refusal.message)
        }
    }

    /// Creates a channel from the form (`name`, `kind`, `target`); a webhook's secret is shown once.
    private func createChannel(_ fields: [(String, String)], _ alerts: any AlertStore, _ project: ProjectID) async throws -> Response {
        func field(_ name: String) -> String { fields.last { $0.0 == name }?.1.trimmingCharacters(in: .whitespaces) ?? "" }
        let kind = field("kind")
        let target = field("target")
        var pairs: [(Node, Node)] = [(Node("name"), Node(field("name"))), (Node("kind"), Node(kind))]
        if kind == AlertChannelKind.email.rawValue {
            let addresses = target.split(separator: ",").map { Node($0.trimmingCharacters(in: .whitespaces)) }
            pairs.append((Node("to"), Node(addresses)))
        } else {
            pairs.append((Node("url"), Node(target)))
        }
        var reader = DefinitionReader()
        guard let definition = reader.channel(Node(pairs), secretAllowed: false), reader.problems.isEmpty else {
            return failure(reader.problems.map(\.message).joined(separator: "; "))
        }
        let channel = try await editor(alerts, project).createChannel(definition)
        let secret = channel.secret
        guard let secret else { return success("Channel '\(channel.name)' created.") }
        let page: HTML = """
        <h1>Channel \(channel.name) created</h1>
        <p>Its signing secret, shown this once (receivers verify <code>webhook-signature</code> with it):</p>
        <p><code id="webhook-secret">\(secret)</code></p>
        <p><a href="/alerts">Back to alerts</a></p>
        """
        return DashboardResponse.html(DashboardLayout.bare(title: "Channel created", page))
    }

    /// An editor of `project`'s alerts with this server's target policy.
    private func editor(_ alerts: any AlertStore, _ project: ProjectID) -> AlertsEditor {
        AlertsEditor(alerts: alerts, project: project, allowPrivateTargets: configuration.alerts.allowPrivateTargets)
    }

    private func success(_ message: String) -> Response {
        DashboardResponse.redirect(URLQuery.build("/alerts", [("message", message)]))
    }

    private func failure(_ message: String) -> Response {
        DashboardResponse.redirect(URLQuery.build("/alerts", [("error", message)]))
    }

    private static func forbidden(_ message: String) -> Response {
        DashboardResponse.html(
            DashboardLayout.bare(title: "Forbidden", "<h1>Forbidden</h1><p>\(HTML.text(message)) <a href=\"/alerts\">Back</a></p>"),
            status: .forbidden
        )
    }
}
