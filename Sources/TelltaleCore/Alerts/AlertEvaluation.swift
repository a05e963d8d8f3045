/// The outcome of evaluating one rule once: its new state, and the transition when the state changed
/// (or a re-notification is due).
public struct AlertEvaluation: Sendable, Equatable {
    /// The rule's state after this evaluation (to store).
    public var state: AlertRuleState
    /// The change, if any (to store in the history; notified when ``AlertTransition/notifies``).
    public var transition: AlertTransition?

    /// An evaluation's outcome.
    public init(state: AlertRuleState, transition: AlertTransition?) {
        self.state = state
        self.transition = transition
    }
}
