import Foundation
import TelltaleCore

/// A Slack incoming-webhook message in Block Kit: a header (FIRING/RESOLVED/…), the summary, fields for
/// rule, scope, value vs threshold and window, and a button linking to the dashboard.
package struct SlackMessage: Encodable, Sendable, Equatable {
    /// The fallback text (notifications, clients without blocks).
    package var text: String
    package var blocks: [Block]

    /// One Block Kit block.
    package enum Block: Encodable, Sendable, Equatable {
        case header(String)
        case section(text: String?, fields: [String])
        case button(text: String, url: String)
        case context(String)

        private enum Key: String, CodingKey { case type, text, fields, elements, url }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            switch self {
            case let .header(text):
                try container.encode("header", forKey: .type)
                try container.encode(TextObject(type: "plain_text", text: String(text.prefix(150))), forKey: .text)
            case let .section(text, fields):
                try container.encode("section", forKey: .type)
                if let text { try container.encode(TextObject(type: "mrkdwn", text: text), forKey: .text) }
                if !fields.isEmpty { try container.encode(fields.map { TextObject(type: "mrkdwn", text: $0) }, forKey: .fields) }
            case let .button(text, url):
                try container.encode("actions", forKey: .type)
                try container.encode([ButtonElement(text: TextObject(type: "plain_text", text: text), url: url)], forKey: .elements)
            case let .context(text):
                try container.encode("context", forKey: .type)
                try container.encode([TextObject(type: "mrkdwn", text: text)], forKey: .elements)
            }
        }
    }

    private struct TextObject: Encodable {
        var type: String
        var text: String
    }

    private struct ButtonElement: Encodable {
        var type = "button"
        var text: TextObject
        var url: String
    }

    /// The message for `notification`.
    package init(_ notification: AlertNotification) {
        let emoji = notification.isTest ? "🧪" : notification.transition.kind == .resolved ? "✅" : "🔥"
        text = "\(notification.title): \(notification.transition.summary)"
        blocks = [
            .header("\(emoji) \(notification.headline): \(notification.rule.name)"),
            .section(text: Self.escape(notification.transition.summary), fields: []),
            .section(text: nil, fields: [
                "*Rule*\n\(Self.escape(notification.rule.name)): \(Self.escape(notification.conditionDescription))",
                "*Scope*\n\(Self.escape(notification.project)): \(Self.escape(notification.scopeDescription))",
                "*Value*\n\(Self.escape(notification.valueDescription))",
                "*Window*\n\(Self.escape(notification.windowDescription))",
            ]),
        ]
        if let url = notification.dashboardURL { blocks.append(.button(text: "Open in Telltale", url: url)) }
        blocks.append(.context(notification.isTest ? "Test notification from Telltale at \(notification.timeDescription)"
                                                     : "Telltale · \(notification.timeDescription)"))
    }

    /// The JSON body.
    package func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Slack's mrkdwn control characters `&`, `<`, `>` as entities.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
