import Foundation
import Hummingbird
import TelltaleCore
import TelltaleStore

extension AlertsController {
    func registerChannels(on routes: RouteTable) {
        routes.add(.get, "/api/v1/alerts/channels", scope: .read) { _, context in
            let (alerts, project) = try alertStore(context)
            let channels = try await alerts.alertChannels(project: project).map { AlertChannelReply($0) }
            return try JSONBody.response(AlertItemsReply(items: channels))
        }
        routes.add(.post, "/api/v1/alerts/channels", scope: .admin) { request, context in
            let (alerts, project) = try alertStore(context)
            let channel = try await newChannel(request, context)
            if try await alerts.alertChannels(project: project).contains(where: { $0.name == channel.name }) {
                throw APIError(.conflict, "another alert channel is named '\(channel.name)'", details: ["field": "name"])
            }
            do {
                try await alerts.saveAlertChannel(channel, project: project)
            } catch StoreError.nameTaken {
                throw APIError(.conflict, "another alert channel is named '\(channel.name)'", details: ["field": "name"])
            }
            return try JSONBody.response(AlertChannelReply(channel, revealingSecret: true), status: .created)
        }
        routes.add(.delete, "/api/v1/alerts/channels/{id}", scope: .admin) { _, context in
            let (alerts, project) = try alertStore(context)
            let channel = try await existingChannel(context, alerts, project)
            guard !channel.id.hasPrefix("file:") else {
                throw APIError(.conflict, "channel '\(channel.name)' comes from the rules file (--rules) and is read-only")
            }
            _ = try await alerts.deleteAlertChannel(id: channel.id, project: project)
            return Response(status: .noContent)
        }
        routes.add(.post, "/api/v1/alerts/channels/{id}/test", scope: .admin) { _, context in
            let (alerts, project) = try alertStore(context)
            let channel = try await existingChannel(context, alerts, project)
            guard let sender = services.testSender else {
                throw APIError(.serviceUnavailable, "notification delivery is not running on this server")
            }
            let key = try context.requireKey()
            let delivery = await sender.sendTest(channel: channel, project: project, projectName: key.project.name)
            return try JSONBody.response(delivery)
        }
    }

    /// The channel of the `{id}` path parameter, or 404.
    func existingChannel(_ context: TelltaleRequestContext, _ alerts: any AlertStore, _ project: ProjectID) async throws -> AlertChannel {
        let id = try context.pathParameter("id")
        guard let channel = try await alerts.alertChannels(project: project).first(where: { $0.id == id }) else {
            throw APIError.notFound("no alert channel with id '\(id)'")
        }
        return channel
    }

    /// The channel defined by the body, with a new id and (webhooks) a new signing secret; its URL checked
    /// against private targets unless the server allows them (``AlertTargetGuard``).
    func newChannel(_ request: Request, _ context: TelltaleRequestContext) async throws -> AlertChannel {
        let node = try await Self.bodyNode(request, context)
        var reader = DefinitionReader()
        let definition = try Self.valid(reader.channel(node, secretAllowed: false), reader)
        let secret = definition.kind == .webhook ? Self.newWebhookSecret() : nil
        let channel = definition.channel(id: Self.newID("chan"), secret: secret)
        do {
            try await AlertTargetGuard(allowPrivateTargets: configuration.alerts.allowPrivateTargets).validate(channel)
        } catch let error as AlertTargetError {
            let field = error.field == "emailTo" ? "to" : error.field
            throw APIError.badRequest("\(field) is refused: \(error.reason)", details: ["field": field])
        }
        return channel
    }

    /// A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes.
    static func newWebhookSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }
}
