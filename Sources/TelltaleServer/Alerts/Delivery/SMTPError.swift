import Foundation

/// Why an email could not be sent; quotes the server's reply code and text, never credentials.
package struct SMTPError: Error, Sendable, CustomStringConvertible {
    /// A human sentence.
    package var message: String
    /// The server's reply code, when the server refused something.
    package var replyCode: Int?
    /// True when retrying cannot help (a 5xx reply, a missing required capability).
    package var isPermanent: Bool

    package init(message: String, replyCode: Int? = nil, isPermanent: Bool = false) {
        self.message = message
        self.replyCode = replyCode
        self.isPermanent = isPermanent
    }

    package var description: String { message }

    /// The server answered `step` with `reply`; `secrets` are cut out of the quoted text.
    static func unexpected(_ reply: SMTPReply, after step: String, secrets: [String]) -> SMTPError {
        var text = reply.description
        for secret in secrets where !secret.isEmpty { text = text.replacingOccurrences(of: secret, with: "***") }
        return SMTPError(message: "SMTP server refused \(step): \(text)", replyCode: reply.code, isPermanent: reply.isPermanentFailure)
    }
}
