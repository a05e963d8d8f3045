import Foundation

/// One change of a rule's state, kept as history; `firing`, `resolved` and `renotify` are notified.
public struct AlertTransition: Codable, Sendable, Equatable {
    /// What happened.
    public enum Kind: String, Codable, Sendable {
        /// ok → pending.
        case pending
        /// pending (or ok, with `for` 0) → firing: notified.
        case firing
        /// firing → ok: notified.
        case resolved
        /// pending → ok without firing.
        case cleared
        /// still firing, the re-notification interval passed: notified.
        case renotify
    }

    public var ruleID: String
    public var kind: Kind
    public var from: AlertState
    public var to: AlertState
    public var at: Date
    /// The measured value (percent for error rate, ms for latency, calls for counts; nil: no data).
    public var value: Double?
    /// The rule's threshold in the same unit.
    public var threshold: Double
    /// One human sentence, e.g. "error rate 12.5% (25 of 200 calls) above 5% over 5 min".
    public var summary: String

    public init(ruleID: String, kind: Kind, from: AlertState, to: AlertState, at: Date, value: Double?, threshold: Double, summary: String) {
        self.ruleID = ruleID
        self.kind = kind
        self.from = from
        self.to = to
        self.at = at
        self.value = value
        self.threshold = threshold
        self.summary = summary
    }

    /// Whether channels are told about it.
    public var notifies: Bool { kind == .firing || kind == .resolved || kind == .renotify }
}
