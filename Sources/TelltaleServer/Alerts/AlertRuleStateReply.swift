import Foundation
import TelltaleCore

/// A rule's evaluation state as the API returns it (`AlertRuleState` in openapi.yaml).
struct AlertRuleStateReply: Encodable, Sendable {
    var state: AlertState
    var since: Date
    var evaluatedAt: Date?
    /// Absent without data.
    var value: Double?
    var notifiedAt: Date?

    init(_ state: AlertRuleState) {
        self.state = state.state
        since = state.since
        evaluatedAt = state.evaluatedAt
        value = state.value
        notifiedAt = state.notifiedAt
    }
}
