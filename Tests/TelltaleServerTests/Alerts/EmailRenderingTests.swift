import Foundation
import Testing
import TelltaleCore
@testable import TelltaleServer

/// SMTP replies, RFC 5322 headers, quoted-printable bodies and the alert email's content.
@Suite struct EmailRenderingTests {
    /// An independent quoted-printable decoder (RFC 2045 6.7).
    static func decodeQuotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        let source = Array(text.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "="), index + 2 < source.count,
               let value = UInt8(String(decoding: source[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The decoded bodies of a `multipart/alternative` message, by content type.
    static func parts(of message: String) throws -> [String: String] {
        let boundaryLine = try #require(message.components(separatedBy: "\r\n").first { $0.hasPrefix("Content-Type: multipart/alternative") })
        let boundary = try #require(boundaryLine.components(separatedBy: "boundary=\"").last?.dropLast())
        var parts: [String: String] = [:]
        for chunk in message.components(separatedBy: "--\(boundary)").dropFirst() where !chunk.hasPrefix("--") {
            let sections = chunk.components(separatedBy: "\r\n\r\n")
            let headers = sections[0]
            let body = sections.dropFirst().joined(separator: "\r\n\r\n")
            let type = try #require(headers.components(separatedBy: "\r\n").first { $0.hasPrefix("Content-Type:") })
            #expect(headers.contains("Content-Transfer-Encoding: quoted-printable"))
            parts[String(type.dropFirst("Content-Type: ".count).prefix { $0 != ";" })] = decodeQuotedPrintable(body)
        }
        return parts
    }

    @Test func multilineRepliesAreJoined() throws {
        var decoder = SMTPReplyDecoder()
        #expect(try decoder.consume("250-mail.example.com greets you") == nil)
        #expect(try decoder.consume("250-AUTH PLAIN LOGIN") == nil)
        #expect(try decoder.consume("250-AUTH=LOGIN") == nil)
        let reply = try #require(try decoder.consume("250 STARTTLS"))
        #expect(reply.code == 250)
        #expect(reply.lines == ["mail.example.com greets you", "AUTH PLAIN LOGIN", "AUTH=LOGIN", "STARTTLS"])
        let extensions = SMTPExtensions(ehlo: reply)
        #expect(extensions.startTLS)
        #expect(extensions.authMechanisms == ["PLAIN", "LOGIN"])
        #expect(try decoder.consume("221") == SMTPReply(code: 221, lines: [""]))
        #expect(throws: SMTPError.self) { try decoder.consume("hello") }
        var mixed = SMTPReplyDecoder()
        _ = try mixed.consume("250-first")
        #expect(throws: SMTPError.self) { try mixed.consume("251 second") }
    }

    @Test func dotStuffingDoublesLeadingDots() {
        #expect(SMTPClient.dotStuffed("a\n.\n..b\n.c\nd.") == "a\r\n..\r\n...b\r\n..c\r\nd.\r\n")
        #expect(SMTPClient.dotStuffed("x\r\n.y\r\n") == "x\r\n..y\r\n")
    }

    @Test func quotedPrintableKeepsLinesShortAndRoundTrips() {
        let text = "Grüße = 100% \(String(repeating: "long words ", count: 20))end \nTrailing space \n"
        let encoded = EmailMessage.quotedPrintable(text)
        for line in encoded.components(separatedBy: "\r\n") {
            #expect(line.count <= 76)
            #expect(!line.hasSuffix(" "))
        }
        #expect(encoded.hasPrefix("Gr=C3=BC=C3=9Fe =3D 100%"))
        #expect(Self.decodeQuotedPrintable(encoded) == text.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test func subjectsAreEncodedWordsOnlyWhenNeeded() throws {
        #expect(EmailMessage.encodedHeaderText("FIRING: search") == "FIRING: search")
        #expect(EmailMessage.encodedHeaderText("a\r\nBcc: x@evil") == "a  Bcc: x@evil")
        let long = String(repeating: "Überlast ", count: 12)
        let encoded = EmailMessage.encodedHeaderText(long)
        var decoded = ""
        for word in encoded.components(separatedBy: "\r\n ") {
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let data = try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
            decoded += try #require(String(data: data, encoding: .utf8))
        }
        #expect(decoded == long)
    }

    @Test func theMessageHasRFC5322HeadersAndBothBodies() throws {
        let date = Date(timeIntervalSince1970: 1_790_000_000)
        let message = EmailMessage(from: "Télltale <alerts@example.com>", to: ["a@example.com", "B <b@example.com>"], subject: "Hi",
                                   text: "text body", html: "<p>html body</p>", date: date, messageID: "abc@example.com")
        let rendered = message.rendered()
        let headers = rendered.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
        #expect(headers.contains("Date: Mon, 21 Sep 2026 14:13:20 +0000"))
        #expect(headers.contains("Message-ID: <abc@example.com>"))
        #expect(headers.contains("From: =?UTF-8?B?VMOpbGx0YWxl?= <alerts@example.com>"))
        #expect(headers.contains("To: a@example.com, B <b@example.com>"))
        #expect(headers.contains("Subject: Hi"))
        #expect(headers.contains("MIME-Version: 1.0"))
        let parts = try Self.parts(of: rendered)
        #expect(parts["text/plain"]?.hasPrefix("text body") == true)
        #expect(parts["text/html"]?.hasPrefix("<p>html body</p>") == true)
        #expect(EmailMessage(from: "alerts@example.com", to: [], subject: "", text: "", html: "").messageID.hasSuffix("@example.com"))
    }

    @Test func theAlertEmailShowsTheRuleAndEscapesHTML() throws {
        let rule = AlertTestData.rule(name: "slow <search> & co")
        let notification = AlertTestData.notification(rule: rule, summary: "p95 latency 1234.5 ms above 800 ms over 5 min")
        let message = AlertEmailRenderer.message(for: notification, from: "alerts@example.com", to: ["oncall@example.com"])
        #expect(message.subject == "[Telltale] FIRING: slow <search> & co (project default)")
        let parts = try Self.parts(of: message.rendered())
        let text = try #require(parts["text/plain"])
        #expect(text.contains("p95 latency 1234.5 ms above 800 ms over 5 min"))
        #expect(text.contains("Rule:      slow <search> & co: p95 latency above 800 ms"))
        #expect(text.contains("Scope:     server=weather, tool=search, environment=production"))
        #expect(text.contains("Value:     1234.5 ms (threshold 800 ms)"))
        #expect(text.contains("Window:    5 min"))
        #expect(text.contains("Dashboard: https://telltale.example.com/dashboard/alerts/rule-1"))
        let html = try #require(parts["text/html"])
        #expect(html.contains("FIRING: slow &lt;search&gt; &amp; co (project default)"))
        #expect(!html.contains("<search>"))
        #expect(html.contains("<a href=\"https://telltale.example.com/dashboard/alerts/rule-1\">"))
        let resolved = AlertTestData.notification(kind: .resolved)
        #expect(AlertEmailRenderer.subject(for: resolved) == "[Telltale] RESOLVED: slow-search (project default)")
        #expect(AlertEmailRenderer.subject(for: AlertTestData.notification(kind: .renotify)).contains("STILL FIRING"))
        #expect(AlertEmailRenderer.text(for: AlertTestData.notification(isTest: true)).contains("This is a test notification"))
    }
}
