import Foundation
import TelltaleCore

/// A scope with only the fields that are set.
struct AlertScopeReply: Encodable, Sendable {
    var server, tool, prompt, resource, method, client, clientVersion: String?
    var tags: [String: String]?

    init(_ scope: AlertScope) {
        server = scope.server
        tool = scope.tool
        prompt = scope.prompt
        resource = scope.resource
        method = scope.method
        client = scope.client
        clientVersion = scope.clientVersion
        tags = scope.tags.isEmpty ? nil : scope.tags
    }
}
