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
            let node = try await Self.bodyNode(request, context)
            var reader = DefinitionReader()
            let definition = try Self.valid(reader.channel(node, secretAllowed: false), reader)
            let channel = try await Self.applying { try await editor(alerts, project).createChannel(definition) }
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
}
