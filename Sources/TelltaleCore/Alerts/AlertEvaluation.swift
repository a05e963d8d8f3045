/// The outcome of evaluating one rule once: its new state, and the transition when the state changed
/// (or a re-notification is due).
public struct AlertEvaluation: Sendable, Equatable {
    public var state: AlertRuleState
    public var transition: AlertTransition?

    public init(state: AlertRuleState, transition: AlertTransition?) {
        self.state = state
        self.transition = transition
    }
}
