import Foundation

/// Where a rule stands: `ok → pending → firing → (resolved) → ok`.
public enum AlertState: String, Codable, Sendable, CaseIterable {
    /// The condition does not hold (or there is not enough data to say it does).
    case ok
    /// The condition holds, for less than the rule's `for` duration.
    case pending
    /// The condition has held for at least `for`; notifications went out.
    case firing
}

/// The evaluation state of one rule, kept between evaluations.
public struct AlertRuleState: Codable, Sendable, Equatable {
    public var state: AlertState
    /// When the current state began.
    public var since: Date
    /// When the rule was last evaluated.
    public var evaluatedAt: Date?
    /// The value measured at the last evaluation (nil: no data).
    public var value: Double?
    /// When the last notification for this firing went out (for re-notification).
    public var notifiedAt: Date?
    /// The ``AlertRule/fingerprint`` of the definition this state was reached with (nil: not known).
    public var fingerprint: String?

    /// A rule state; `since` is when `state` began.
    public init(state: AlertState = .ok, since: Date, evaluatedAt: Date? = nil, value: Double? = nil, notifiedAt: Date? = nil,
                fingerprint: String? = nil) {
        self.state = state
        self.since = since
        self.evaluatedAt = evaluatedAt
        self.value = value
        self.notifiedAt = notifiedAt
        self.fingerprint = fingerprint
    }
}
