import Foundation

/// Helpers for the address forms SMTP and RFC 5322 use.
package enum EmailAddress {
    /// `a@b` from `Name <a@b>` or `a@b`.
    package static func bare(_ address: String) -> String {
        let trimmed = address.trimmingCharacters(in: .whitespaces)
        if let open = trimmed.lastIndex(of: "<"), let close = trimmed.lastIndex(of: ">"), open < close {
            return String(trimmed[trimmed.index(after: open)..<close]).trimmingCharacters(in: .whitespaces)
        }
        return trimmed
    }

    /// Whether `address` is a bare mailbox, `local@domain`: one `@` with text on both sides, at most 254
    /// characters, no spaces, control characters or the punctuation that would end or quote an SMTP path
    /// (`,<>;"()[]\\`).
    package static func isMailbox(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && address.count <= 254
            && address.unicodeScalars.allSatisfy { !forbidden.contains($0) }
    }

    /// Whether `address` is a mailbox, bare or as `Name <local@domain>`.
    package static func isPlausible(_ address: String) -> Bool {
        isMailbox(bare(address))
    }

    private static let forbidden = CharacterSet.whitespacesAndNewlines.union(.controlCharacters)
        .union(CharacterSet(charactersIn: ",<>;\"()[]\\"))
}
