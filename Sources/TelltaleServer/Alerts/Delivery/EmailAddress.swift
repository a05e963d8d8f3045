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

    /// Whether `address` looks like a deliverable mailbox (`local@domain`, no spaces or angle brackets).
    package static func isPlausible(_ address: String) -> Bool {
        let bare = bare(address)
        guard let at = bare.firstIndex(of: "@"), at != bare.startIndex, bare.index(after: at) != bare.endIndex else { return false }
        return !bare.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," }) && bare.filter({ $0 == "@" }).count == 1
    }
}
