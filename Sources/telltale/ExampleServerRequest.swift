import Foundation

/// The parts of one incoming JSON-RPC message the example server acts on, extracted once so that
/// the message can cross into the task that handles it (values from `JSONSerialization` are not `Sendable`).
struct ExampleServerRequest: Sendable {
    /// Meta key carrying the protocol version on 2026-07-28 stateless requests.
    static let protocolVersionMetaKey = "io.modelcontextprotocol/protocolVersion"
    /// Meta key carrying the client's identity on 2026-07-28 stateless requests.
    static let clientInfoMetaKey = "io.modelcontextprotocol/clientInfo"

    /// The id; nil for notifications.
    var id: ExampleServerRequestID?
    var method: String
    /// `params.name` (tool or prompt name).
    var name: String?
    /// `params.uri` (resource URI).
    var uri: String?
    /// `params.arguments`, with every scalar value rendered as text; nested values are dropped.
    var arguments: [String: String]
    /// `params.protocolVersion` (the version an `initialize` request proposes).
    var proposedVersion: String?
    /// `params._meta["io.modelcontextprotocol/protocolVersion"]`: set on 2026-07-28 requests.
    var metaProtocolVersion: String?
    /// Client name and version, from `initialize` params or from `_meta` clientInfo.
    var clientName: String?
    var clientVersion: String?
    /// `params.requestId` of a `notifications/cancelled`.
    var cancelledID: ExampleServerRequestID?

    /// True when the message is a request in the 2026-07-28 stateless style (or is `server/discover`).
    var isStateless: Bool { metaProtocolVersion != nil || method == "server/discover" }

    /// Extracts the request view from one parsed JSON-RPC message; nil when it is not a request or a notification.
    init?(message: [String: Any]) {
        guard let method = message["method"] as? String else { return nil }
        self.method = method
        self.id = ExampleServerRequestID(json: message["id"])
        let params = message["params"] as? [String: Any] ?? [:]
        self.name = params["name"] as? String
        self.uri = params["uri"] as? String
        self.proposedVersion = params["protocolVersion"] as? String
        var arguments: [String: String] = [:]
        for (key, value) in params["arguments"] as? [String: Any] ?? [:] {
            switch value {
            case let text as String: arguments[key] = text
            case let number as NSNumber: arguments[key] = number.stringValue
            default: break
            }
        }
        self.arguments = arguments
        let meta = params["_meta"] as? [String: Any] ?? [:]
        self.metaProtocolVersion = meta[Self.protocolVersionMetaKey] as? String
        let clientInfo = (meta[Self.clientInfoMetaKey] ?? params["clientInfo"]) as? [String: Any]
        self.clientName = clientInfo?["name"] as? String
        self.clientVersion = clientInfo?["version"] as? String
        self.cancelledID = ExampleServerRequestID(json: params["requestId"])
    }
}
