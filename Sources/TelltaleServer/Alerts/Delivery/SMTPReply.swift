/// One SMTP server reply: a three-digit code and its text lines (several for a multiline reply).
package struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    package var code: Int
    /// The text of each line, without the code and separator.
    package var lines: [String]

    package init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    /// 2xx.
    package var isPositive: Bool { (200..<300).contains(code) }
    /// 5xx: retrying the same thing will not help.
    package var isPermanentFailure: Bool { (500..<600).contains(code) }

    /// `250 first line second line`.
    package var description: String {
        ([String(code)] + lines.filter { !$0.isEmpty }).joined(separator: " ")
    }
}
