import Foundation
import TelltaleCore

/// The JSON body POSTed to webhook channels:
/// `{"type": "alert.firing", "timestamp": RFC 3339, "data": {"project", "rule", "transition", "dashboardURL"}}`.
package struct WebhookPayload: Encodable, Sendable {
    /// `alert.firing`, `alert.resolved`, `alert.renotify` or `alert.test`.
    package var type: String
    /// When the transition happened.
    package var timestamp: Date
    package var data: DataObject

    /// The `data` member.
    package struct DataObject: Encodable, Sendable {
        package var project: String
        /// The rule as the API returns it (`AlertWebhookRule` in openapi.yaml), without its state.
        var rule: AlertRuleReply
        package var transition: AlertTransition
        package var dashboardURL: String?
    }

    /// The payload for `notification`.
    package init(_ notification: AlertNotification) {
        type = notification.isTest ? "alert.test" : "alert.\(notification.transition.kind.rawValue)"
        timestamp = notification.transition.at
        data = DataObject(project: notification.project, rule: AlertRuleReply(definitionOf: notification.rule), transition: notification.transition,
                          dashboardURL: notification.dashboardURL)
    }

    /// The encoder of the body: sorted keys, RFC 3339 dates.
    package static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// The JSON body.
    package func jsonData() throws -> Data { try Self.encoder.encode(self) }
}
