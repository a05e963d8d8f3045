import Foundation
import TelltaleCore
import TelltaleStore

/// Sends a "test notification" to one channel now, for `POST /api/v1/alerts/channels/{id}/test`.
///
/// Implemented by the alert dispatcher (delivery with its retries and the delivery log).
package protocol AlertTestSending: Sendable {
    /// Delivers `notification` (`isTest` true) to `channel`, records it in the delivery log, and returns the
    /// delivery once it is delivered or has failed for good.
    func sendTest(_ notification: AlertNotification, to channel: AlertChannel, project: ProjectID) async -> AlertDelivery
}

/// Refuses Slack and webhook URLs whose host resolves to a loopback, link-local, private, unspecified or
/// multicast address (unless the server allows private targets).
package protocol AlertTargetGuarding: Sendable {
    /// Throws an error whose description says why `url` is refused, without the URL's path or query.
    func checkTarget(_ url: URL) async throws
}

/// What the alerts API needs besides the store; nil members make the matching action answer 503.
package struct AlertServices: Sendable {
    package var testSender: (any AlertTestSending)?
    package var targetGuard: (any AlertTargetGuarding)?

    package init(testSender: (any AlertTestSending)? = nil, targetGuard: (any AlertTargetGuarding)? = nil) {
        self.testSender = testSender
        self.targetGuard = targetGuard
    }
}
