import TelltaleCore
import Yams

/// An alert rule as written in a rules file or an API body, before ids and channel ids are assigned.
package struct RuleDefinition: Sendable, Equatable {
    /// A channel the rule notifies, as written (a channel name, or an id in the API), with its line.
    package struct ChannelReference: Sendable, Equatable {
        package var name: String
        package var line: Int?
    }

    package var name: String
    package var enabled: Bool
    package var scope: AlertScope
    package var condition: AlertCondition
    package var windowSeconds: Int
    package var forSeconds: Int
    package var renotifySeconds: Int?
    package var channels: [ChannelReference]
    /// The line of the definition.
    package var line: Int?

    /// The keys a rule definition may have.
    static let keys = ["name", "enabled", "scope", "condition", "window", "for", "renotify", "channels"]
    /// Shortest and longest window.
    static let windowRange = 60...(7 * 86_400)
    /// Longest `for`.
    static let forRange = 0...(7 * 86_400)
    /// Shortest and longest re-notification interval.
    static let renotifyRange = 60...(7 * 86_400)

    /// The rule with server-side fields filled in.
    package func rule(id: String, channelIDs: [String], source: AlertRuleSource) -> AlertRule {
        AlertRule(
            id: id, name: name, enabled: enabled, scope: scope, condition: condition, windowSeconds: windowSeconds,
            forSeconds: forSeconds, renotifySeconds: renotifySeconds, channelIDs: channelIDs, source: source
        )
    }
}
