import Foundation
import TelltaleCore

/// A webhook payload read back the way a receiver would, in the shape openapi.yaml documents
/// (`AlertWebhookPayload`, whose `rule` is an `AlertWebhookRule`).
struct WebhookBody: Decodable {
    struct DataObject: Decodable {
        var project: String
        var rule: Rule
        var transition: AlertTransition
        var dashboardURL: String?
    }

    /// `AlertWebhookRule`: the API's rule without `state`.
    struct Rule: Decodable {
        struct Condition: Decodable { var kind: String }
        var id: String
        var name: String
        var enabled: Bool
        var source: String
        var condition: Condition
        var window: Int
        var `for`: Int
        var renotify: Int?
        var channels: [String]
    }

    var type: String
    var timestamp: Date
    var data: DataObject

    /// Decodes `body` as a receiver would (RFC 3339 dates).
    static func decode(_ body: some Sequence<UInt8>) throws -> WebhookBody {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(WebhookBody.self, from: Data(body))
    }

    /// The keys of `data.rule` in `body`.
    static func ruleKeys(_ body: some Sequence<UInt8>) throws -> Set<String> {
        let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        let data = object?["data"] as? [String: Any]
        return Set((data?["rule"] as? [String: Any])?.keys.map { $0 } ?? [])
    }
}
