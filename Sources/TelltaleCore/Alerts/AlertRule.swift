/// An alert rule: a condition over a window, on a scope, notifying channels.
public struct AlertRule: Codable, Sendable, Equatable, Identifiable {
    /// Stable id (assigned by the server; rules from `--rules FILE` get `file:<name>`).
    public var id: String
    /// Unique per project; shown in notifications.
    public var name: String
    public var enabled: Bool
    public var scope: AlertScope
    public var condition: AlertCondition
    /// The window the condition is measured over, in seconds (≥ 60).
    public var windowSeconds: Int
    /// How long the condition must hold before the rule fires (`for`), in seconds (0: at once).
    public var forSeconds: Int
    /// While firing, notify again this often (nil: only on firing and on resolution).
    public var renotifySeconds: Int?
    /// Ids of the channels to notify.
    public var channelIDs: [String]
    /// Where the rule came from; file rules are replaced at every start-up and read-only in the API.
    public var source: AlertRuleSource

    public init(id: String, name: String, enabled: Bool = true, scope: AlertScope = AlertScope(),
                condition: AlertCondition, windowSeconds: Int, forSeconds: Int = 0, renotifySeconds: Int? = nil,
                channelIDs: [String] = [], source: AlertRuleSource = .api) {
        self.id = id
        self.name = name
        self.enabled = enabled
        self.scope = scope
        self.condition = condition
        self.windowSeconds = windowSeconds
        self.forSeconds = forSeconds
        self.renotifySeconds = renotifySeconds
        self.channelIDs = channelIDs
        self.source = source
    }
}

/// Where an alert rule is defined.
public enum AlertRuleSource: String, Codable, Sendable {
    /// Created through the API or the dashboard.
    case api
    /// Loaded from `--rules FILE` at start-up.
    case file
}
