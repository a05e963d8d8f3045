import Foundation

/// What a channel is told: one notified transition with its rule, rendered by each channel its own way.
public struct AlertNotification: Codable, Sendable, Equatable {
    /// Unique per (transition, channel); the webhook's `webhook-id`, stable across retries.
    public var id: String
    public var project: String
    public var rule: AlertRule
    public var transition: AlertTransition
    /// Link to the dashboard view that shows the scope over the window.
    public var dashboardURL: String?
    /// True for the "send test notification" action.
    public var isTest: Bool

    public init(id: String, project: String, rule: AlertRule, transition: AlertTransition, dashboardURL: String?, isTest: Bool = false) {
        self.id = id
        self.project = project
        self.rule = rule
        self.transition = transition
        self.dashboardURL = dashboardURL
        self.isTest = isTest
    }
}
