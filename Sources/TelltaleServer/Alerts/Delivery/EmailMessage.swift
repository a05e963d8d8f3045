import Foundation

/// An RFC 5322 email with a plain-text and an HTML body (`multipart/alternative`, quoted-printable).
package struct EmailMessage: Sendable, Equatable {
    /// `alerts@example.com` or `Telltale <alerts@example.com>`.
    package var from: String
    package var to: [String]
    package var subject: String
    package var text: String
    package var html: String
    package var date: Date
    /// Without angle brackets, e.g. `1234@example.com`.
    package var messageID: String

    package init(from: String, to: [String], subject: String, text: String, html: String, date: Date = Date(), messageID: String? = nil) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.date = date
        let domain = EmailAddress.bare(from).split(separator: "@").last.map(String.init) ?? "telltale.localdomain"
        self.messageID = messageID ?? "\(UUID().uuidString.lowercased())@\(domain)"
    }

    /// The message as sent after DATA (CRLF line endings, before dot-stuffing).
    package func rendered() -> String {
        let boundary = "telltale-" + messageID.prefix(36).filter { $0.isLetter || $0.isNumber || $0 == "-" }
        var lines = [
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: <\(Self.headerSafe(messageID))>",
            "From: \(Self.mailbox(from))",
            "To: \(to.map(Self.mailbox).joined(separator: ", "))",
            "Subject: \(Self.encodedHeaderText(subject))",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
            "This is a multi-part message in MIME format.",
        ]
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines += [
                "--\(boundary)",
                "Content-Type: \(type); charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                Self.quotedPrintable(body),
            ]
        }
        lines.append("--\(boundary)--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// `Wed, 25 Nov 2026 15:42:40 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }

    /// A header value without line breaks (no header injection).
    static func headerSafe(_ value: String) -> String {
        value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    /// `Name <a@b>` with a non-ASCII display name encoded; bare addresses as they are.
    static func mailbox(_ value: String) -> String {
        let value = headerSafe(value).trimmingCharacters(in: .whitespaces)
        guard let open = value.lastIndex(of: "<") else { return value }
        let name = value[..<open].trimmingCharacters(in: .whitespaces)
        let address = value[open...]
        if name.isEmpty { return String(address) }
        return "\(encodedHeaderText(name)) \(address)"
    }

    /// The text as is when it is printable ASCII, else RFC 2047 encoded-words (`=?UTF-8?B?…?=`) of at
    /// most 75 characters each, folded onto continuation lines.
    static func encodedHeaderText(_ text: String) -> String {
        let text = headerSafe(text)
        if text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) { return text }
        var words: [String] = []
        var chunk = Data()
        for character in text {
            let bytes = Data(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// RFC 2045 quoted-printable: CRLF line breaks, soft breaks keeping lines at most 76 characters.
    static func quotedPrintable(_ text: String) -> String {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        return lines.map { line -> String in
            let bytes = Array(line.utf8)
            var output = ""
            var current = 0
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 0x20 || byte == 0x09) && !isLast)
                let token = literal ? String(UnicodeScalar(byte)) : String(format: "=%02X", byte)
                if current + token.count > 75 {
                    output += "=\r\n"
                    current = 0
                }
                output += token
                current += token.count
            }
            return output
        }.joined(separator: "\r\n")
    }
}
