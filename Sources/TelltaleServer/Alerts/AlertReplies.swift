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

/// A condition as `{"kind": …, …its fields}`, the shape rules are written in.
struct AlertConditionReply: Encodable, Sendable {
    var kind: String
    var abovePercent: Double?
    var minCalls: Int?
    var countToolErrors: Bool?
    var percentile: LatencyPercentile?
    var aboveMs: Double?
    var belowPercent: Double?
    var minBaselineCalls: Int?
    var above: Int?

    init(_ condition: AlertCondition) {
        kind = AlertConditionKind(condition).rawValue
        switch condition {
        case let .errorRate(abovePercent, minCalls, countToolErrors):
            self.abovePercent = abovePercent
            self.minCalls = minCalls
            self.countToolErrors = countToolErrors
        case let .latency(percentile, aboveMs):
            self.percentile = percentile
            self.aboveMs = aboveMs
        case let .throughputCollapse(belowPercent, minBaselineCalls):
            self.belowPercent = belowPercent
            self.minBaselineCalls = minBaselineCalls
        case let .callCount(above):
            self.above = above
        case .deadman:
            break
        }
    }
}

/// A channel without its secrets: a Slack URL as scheme and host only, a webhook URL as scheme, host and port
/// with its path masked (receivers often put a token in the path), never query, credentials, fragment or the
/// signing secret (except `secret` once, in the reply that creates a webhook channel).
struct AlertChannelReply: Encodable, Sendable {
    var id: String
    var name: String
    var kind: AlertChannelKind
    var to: [String]?
    var url: String?
    /// Whether the channel signs with a secret (webhooks).
    var signed: Bool?
    /// The signing secret, only in the creation reply.
    var secret: String?

    init(_ channel: AlertChannel, revealingSecret: Bool = false) {
        id = channel.id
        name = channel.name
        kind = channel.kind
        switch channel.kind {
        case .email:
            to = channel.emailTo
        case .slack:
            url = channel.url.flatMap { Self.origin($0) }
        case .webhook:
            url = channel.url.flatMap { Self.masked($0) }
            signed = channel.secret != nil
            if revealingSecret { secret = channel.secret }
        }
    }

    /// `https://hooks.slack.com` of `https://hooks.slack.com/services/…`.
    static func origin(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme, var host = components.host else { return nil }
        if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }  // IPv6
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    /// The longest first path segment `masked(_:)` shows.
    static let maximumShownSegment = 32

    /// `https://discord.com/api/…` of `https://discord.com/api/webhooks/1/token?x=1`: scheme, host and port, and
    /// of the path only a short first segment followed by more (a lone segment may be the token itself: `/…`).
    /// Never user, password, query or fragment.
    static func masked(_ url: String) -> String? {
        guard let origin = origin(url), let components = URLComponents(string: url) else { return nil }
        let segments = components.percentEncodedPath.split(separator: "/")
        guard let first = segments.first else { return components.percentEncodedPath.isEmpty ? origin : origin + "/" }
        if segments.count > 1 && first.count <= maximumShownSegment { return "\(origin)/\(first)/…" }
        return origin + "/…"
    }
}

/// `{"items": [...]}`.
struct AlertItemsReply<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
}
