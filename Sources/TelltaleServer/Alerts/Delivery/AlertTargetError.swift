/// Why a channel or its target is refused; names the field, never a URL path, query or secret.
package struct AlertTargetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The channel field at fault (`url`, `emailTo`, `secret`).
    package var field: String
    package var reason: String
    /// True when asking again will not help (refused address, bad scheme); false for DNS failures.
    package var isPermanent: Bool

    package init(field: String, reason: String, isPermanent: Bool = true) {
        self.field = field
        self.reason = reason
        self.isPermanent = isPermanent
    }

    package var description: String { "\(field): \(reason)" }
}
