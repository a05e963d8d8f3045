import Foundation
import Hummingbird
import TelltaleCore
import TelltaleStore
import Yams

/// The alerts API: rules (CRUD; file rules read-only), channels (secrets never read back), test
/// notifications, transition history and the delivery log. Reads need a read key, writes an admin key.
struct AlertsController {
    let store: any CallStore
    let services: AlertServices
    let configuration: ServerConfiguration

    /// Default and largest `limit` of history and deliveries.
    static let listLimit = (default: 100, max: 1000)
    /// Largest JSON body of a rule or channel.
    static let maxBodyBytes = 64 * 1024

    func register(on routes: RouteTable) {
        routes.add(.get, "/api/v1/alerts/rules", scope: .read) { _, context in
            let (alerts, project) = try alertStore(context)
            let states = try await alerts.alertStates(project: project)
            let rules = try await alerts.alertRules(project: project).map { AlertRuleReply($0, state: states[$0.id]) }
            return try JSONBody.response(AlertItemsReply(items: rules))
        }
        routes.add(.post, "/api/v1/alerts/rules", scope: .admin) { request, context in
            let (alerts, project) = try alertStore(context)
            let definition = try await ruleDefinition(request, context)
            let rule = try await Self.applying { try await editor(alerts, project).createRule(definition) }
            return try JSONBody.response(AlertRuleReply(rule, state: nil), status: .created)
        }
        routes.add(.get, "/api/v1/alerts/rules/{id}", scope: .read) { _, context in
            let (alerts, project) = try alertStore(context)
            let rule = try await existingRule(context, alerts, project)
            let state = try await alerts.alertStates(project: project)[rule.id]
            return try JSONBody.response(AlertRuleReply(rule, state: state))
        }
        routes.add(.put, "/api/v1/alerts/rules/{id}", scope: .admin) { request, context in
            let (alerts, project) = try alertStore(context)
            let existing = try await writableRule(context, alerts, project)
            let definition = try await ruleDefinition(request, context)
            let rule = try await Self.applying { try await editor(alerts, project).replaceRule(id: existing.id, with: definition) }
            let state = try await alerts.alertStates(project: project)[rule.id]
            return try JSONBody.response(AlertRuleReply(rule, state: state))
        }
        routes.add(.delete, "/api/v1/alerts/rules/{id}", scope: .admin) { _, context in
            let (alerts, project) = try alertStore(context)
            let rule = try await writableRule(context, alerts, project)
            _ = try await alerts.deleteAlertRule(id: rule.id, project: project)
            return Response(status: .noContent)
        }
        registerChannels(on: routes)
        routes.add(.get, "/api/v1/alerts/history", scope: .read) { request, context in
            let (alerts, project) = try alertStore(context)
            let limit = try QueryParameters.integer(request, "limit", default: Self.listLimit.default, range: 1...Self.listLimit.max)
            let history = try await alerts.alertHistory(project: project, ruleID: Self.ruleFilter(request), limit: limit)
            return try JSONBody.response(AlertItemsReply(items: history))
        }
        routes.add(.get, "/api/v1/alerts/deliveries", scope: .read) { request, context in
            let (alerts, project) = try alertStore(context)
            let limit = try QueryParameters.integer(request, "limit", default: Self.listLimit.default, range: 1...Self.listLimit.max)
            let deliveries = try await alerts.alertDeliveries(project: project, ruleID: Self.ruleFilter(request), limit: limit)
            return try JSONBody.response(AlertItemsReply(items: deliveries))
        }
    }

    /// The store's alert side and the key's project; 501 when the store keeps no alerts.
    func alertStore(_ context: TelltaleRequestContext) throws -> (any AlertStore, ProjectID) {
        let key = try context.requireKey()
        guard let alerts = store as? any AlertStore else {
            throw APIError(.notImplemented, "this store does not keep alerts")
        }
        return (alerts, key.project.id)
    }

    /// The rule named by the `{id}` path parameter, or 404.
    func existingRule(_ context: TelltaleRequestContext, _ alerts: any AlertStore, _ project: ProjectID) async throws -> AlertRule {
        let id = try context.pathParameter("id")
        guard let rule = try await alerts.alertRule(id: id, project: project) else {
            throw APIError.notFound("no alert rule with id '\(id)'")
        }
        return rule
    }

    /// The rule of `{id}` when the API may change it: 409 for rules from the rules file.
    func writableRule(_ context: TelltaleRequestContext, _ alerts: any AlertStore, _ project: ProjectID) async throws -> AlertRule {
        let rule = try await existingRule(context, alerts, project)
        guard rule.source == .api else {
            throw APIError(
                .conflict, "rule '\(rule.name)' comes from the rules file (--rules) and is read-only; change the file and restart",
                details: ["source": rule.source.rawValue]
            )
        }
        return rule
    }

    /// The rule definition in the JSON body, validated like a rules file; 400 naming the field.
    func ruleDefinition(_ request: Request, _ context: TelltaleRequestContext) async throws -> RuleDefinition {
        let node = try await Self.bodyNode(request, context)
        var reader = DefinitionReader()
        let definition = reader.rule(node)
        return try Self.valid(definition, reader)
    }

    /// The JSON (or YAML) body as a node; 400 when empty or malformed.
    static func bodyNode(_ request: Request, _ context: TelltaleRequestContext) async throws -> Node {
        let buffer = try await request.body.collect(upTo: maxBodyBytes)
        let text = String(buffer: buffer)
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            let problem = RulesFile.syntaxProblem(error)
            let message = problem.message.replacingOccurrences(of: "not valid YAML or JSON", with: "the body is not valid JSON")
            throw APIError.badRequest(problem.line.map { "\(message) (line \($0))" } ?? message)
        }
        guard let node else { throw APIError.badRequest("the body must be a JSON object") }
        return node
    }

    /// `value`, or a 400 with the reader's problems (the first one's field in `field`).
    static func valid<T>(_ value: T?, _ reader: DefinitionReader) throws -> T {
        if let value, reader.problems.isEmpty { return value }
        let messages = reader.problems.map(\.message)
        var details: [String: String] = [:]
        if let field = reader.problems.first?.field { details["field"] = field }
        throw APIError.badRequest(messages.isEmpty ? "the body is not a valid definition" : messages.joined(separator: "; "), details: details)
    }

    /// The `rule` query parameter, if any.
    static func ruleFilter(_ request: Request) -> String? {
        request.uri.queryParameters["rule"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// An editor of `project`'s alerts with this server's target policy.
    func editor(_ alerts: any AlertStore, _ project: ProjectID) -> AlertsEditor {
        AlertsEditor(alerts: alerts, project: project, allowPrivateTargets: configuration.alerts.allowPrivateTargets)
    }

    /// Runs an edit, answering its refusal as 409 (name clash) or 400, naming the field.
    static func applying<T>(_ edit: () async throws -> T) async throws -> T {
        do {
            return try await edit()
        } catch let refusal as AlertsEditor.Refusal {
            switch refusal.kind {
            case .conflict: throw APIError(.conflict, refusal.message, details: ["field": refusal.field])
            case .invalid: throw APIError.badRequest(refusal.message, details: ["field": refusal.field])
            }
        }
    }
}
