import Foundation

/// One notification to one channel, and how its delivery went (the delivery log).
public struct AlertDelivery: Codable, Sendable, Equatable, Identifiable {
    /// Where a delivery stands.
    public enum Status: String, Codable, Sendable {
        /// Not attempted yet.
        case pending
        /// An attempt failed; another is scheduled.
        case retrying
        /// The receiver accepted it (2xx, or SMTP 250 after DATA).
        case delivered
        /// Every attempt failed (or the target is refused); no more attempts.
        case failed
    }

    /// The notification id (also the webhook's `webhook-id`).
    public var id: String
    public var ruleID: String
    public var channelID: String
    public var channelName: String
    public var channelKind: AlertChannelKind
    /// The transition notified (`firing`, `resolved`, `renotify`), at its time.
    public var transitionKind: AlertTransition.Kind
    public var transitionAt: Date
    public var isTest: Bool
    public var status: Status
    public var attempts: Int
    /// The last failure, without secrets (no URL paths, no credentials).
    public var lastError: String?
    public var lastAttemptAt: Date?
    public var deliveredAt: Date?

    public init(id: String, ruleID: String, channelID: String, channelName: String, channelKind: AlertChannelKind,
                transitionKind: AlertTransition.Kind, transitionAt: Date, isTest: Bool = false, status: Status = .pending,
                attempts: Int = 0, lastError: String? = nil, lastAttemptAt: Date? = nil, deliveredAt: Date? = nil) {
        self.id = id
        self.ruleID = ruleID
        self.channelID = channelID
        self.channelName = channelName
        self.channelKind = channelKind
        self.transitionKind = transitionKind
        self.transitionAt = transitionAt
        self.isTest = isTest
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
        self.lastAttemptAt = lastAttemptAt
        self.deliveredAt = deliveredAt
    }
}
