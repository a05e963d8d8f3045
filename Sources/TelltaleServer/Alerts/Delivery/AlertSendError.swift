/// One failed delivery attempt, as recorded in the delivery log: a message without secrets (hosts only,
/// never URL paths, queries, credentials) and whether retrying can help.
package struct AlertSendError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    /// True when no retry can succeed (refused target, missing configuration, SMTP 5xx).
    package var isPermanent: Bool

    package init(_ message: String, isPermanent: Bool = false) {
        self.message = message
        self.isPermanent = isPermanent
    }

    /// Wraps any error raised by a sender; unknown errors keep only their type's description.
    package init(_ error: any Error) {
        switch error {
        case let error as AlertSendError: self = error
        case let error as SMTPError: self.init(error.message, isPermanent: error.isPermanent)
        case let error as AlertTargetError: self.init(error.reason, isPermanent: error.isPermanent)
        case let error as StandardWebhookSigner.InvalidSecret: self.init(error.description, isPermanent: true)
        default: self.init("delivery failed: \(String(reflecting: type(of: error)))")
        }
    }

    package var description: String { message }
}
