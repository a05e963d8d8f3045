import Foundation
import TelltaleCore

/// A rule as the alerts API shows it: the definition's fields, its id and source, and its current state.
struct AlertRuleReply: Encodable, Sendable {
    var id: String
    var name: String
    var enabled: Bool
    var source: AlertRuleSource
    var scope: AlertScopeReply
    var condition: AlertConditionReply
    /// Seconds.
    var window: Int
    /// Seconds.
    var `for`: Int
    /// Seconds, or null.
    var renotify: Int?
    /// Channel ids.
    var channels: [String]
    /// The last evaluation's state; null before the first one.
    var state: AlertRuleStateReply?
    /// Whether `state` is written at all (webhook payloads leave it out: they carry the transition).
    var includesState = true

    /// The reply for `rule` in its `state`.
    init(_ rule: AlertRule, state: AlertRuleState?) {
        id = rule.id
        name = rule.name
        enabled = rule.enabled
        source = rule.source
        scope = AlertScopeReply(rule.scope)
        condition = AlertConditionReply(rule.condition)
        window = rule.windowSeconds
        self.for = rule.forSeconds
        renotify = rule.renotifySeconds
        channels = rule.channelIDs
        self.state = state.map(AlertRuleStateReply.init)
    }

    /// The rule without its state, as webhook payloads carry it.
    init(definitionOf rule: AlertRule) {
        self.init(rule, state: nil)
        includesState = false
    }

    enum CodingKeys: String, CodingKey {
        case id, name, enabled, source, scope, condition, window, `for`, renotify, channels, state
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(enabled, forKey: .enabled)
        try container.encode(source, forKey: .source)
        try container.encode(scope, forKey: .scope)
        try container.encode(condition, forKey: .condition)
        try container.encode(window, forKey: .window)
        try container.encode(self.for, forKey: .for)
        try container.encode(renotify, forKey: .renotify)
        try container.encode(channels, forKey: .channels)
        if includesState { try container.encode(state, forKey: .state) }
    }
}
