import TelltaleCore
import TelltaleStore

/// Sends a "test notification" to one channel now, for `POST /api/v1/alerts/channels/{id}/test`.
///
/// ``AlertDispatcher`` implements it (one attempt, recorded in the delivery log).
package protocol AlertTestSending: Sendable {
    /// Sends a test notification (`alert.test`) to `channel` and returns its delivery once delivered or failed.
    func sendTest(channel: AlertChannel, project: ProjectID, projectName: String?) async -> AlertDelivery
}

extension AlertDispatcher: AlertTestSending {}
