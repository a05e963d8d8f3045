import TelltaleCore
import TelltaleStore

/// Hands alert notifications to delivery. Never blocks rule evaluation: it records the delivery as
/// pending and returns; attempts, retries and the delivery log happen in the background.
package protocol AlertDispatching: Sendable {
    /// Queues `notification` for `channel` in `project`.
    func dispatch(_ notification: AlertNotification, to channel: AlertChannel, project: ProjectID) async
}
