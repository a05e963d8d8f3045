import Foundation
import NIOCore
import Testing
@testable import TelltaleServer

/// The SMTP client against a real SMTP server on a local port.
// Waits on receivers and child processes: a regression fails the suite instead of hanging the run.
@Suite(.timeLimit(.minutes(2))) struct SMTPClientTests {
    static func message(to: [String] = ["oncall@example.com"], text: String = "Hello\n.\n..two dots\nend", html: String = "<p>Hello</p>") -> EmailMessage {
        EmailMessage(from: "Telltale <alerts@example.com>", to: to, subject: "Überlast: search", text: text, html: html)
    }

    static func configuration(port: Int, startTLS: SMTPConfiguration.StartTLSMode, user: String? = nil, password: String? = nil,
                              host: String = "127.0.0.1", timeout: Duration = .seconds(10)) -> SMTPConfiguration {
        SMTPConfiguration(host: host, port: port, startTLS: startTLS, username: user, password: password,
                          from: "Telltale <alerts@example.com>", timeout: timeout)
    }

    @Test func plainDeliveryWithAuthPlainToSeveralRecipients() async throws {
        let server = TestSMTPServer(options: .init(authMechanisms: ["LOGIN", "PLAIN"]))
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let client = SMTPClient(configuration: Self.configuration(port: port, startTLS: .off, user: "alerts", password: "s3cret-Pa55"))
        try await client.send(Self.message(to: ["a@example.com", "Bee <b@example.com>"]))
        let mail = try #require(server.mails.first)
        #expect(mail.from == "alerts@example.com")
        #expect(mail.to == ["a@example.com", "b@example.com"])
        #expect(mail.authenticatedAs == "alerts")
        #expect(mail.authMechanism == "PLAIN")  // preferred when both are offered
        #expect(!mail.overTLS)
        // Dot-stuffing undone by the server gives back the lines as written (in quoted-printable).
        #expect(mail.data.contains("\r\nHello\r\n.\r\n..two dots\r\nend\r\n"))
        #expect(mail.data.contains("Subject: =?UTF-8?B?"))
    }

    @Test func authLoginWhenOnlyLoginIsOffered() async throws {
        let server = TestSMTPServer(options: .init(authMechanisms: ["LOGIN"]))
        let port = try await server.start()
        defer { Task { await server.stop() } }
        try await SMTPClient(configuration: Self.configuration(port: port, startTLS: .off, user: "alerts", password: "s3cret-Pa55"))
            .send(Self.message())
        #expect(server.mails.first?.authMechanism == "LOGIN")
        #expect(server.authAttempts.map(\.success) == [true])
    }

    @Test func wrongPasswordQuotesTheReplyButNeverThePassword() async throws {
        for mechanism in ["PLAIN", "LOGIN"] {
            let server = TestSMTPServer(options: .init(authMechanisms: [mechanism], echoCredentialsOnFailure: true))
            let port = try await server.start()
            let password = "wrong-Pa55word"
            let error = await #expect(throws: SMTPError.self) {
                try await SMTPClient(configuration: Self.configuration(port: port, startTLS: .off, user: "alerts", password: password))
                    .send(Self.message())
            }
            await server.stop()
            let message = try #require(error).message
            #expect(message.contains("535 5.7.8 Authentication credentials invalid"), "\(message)")
            #expect(message.contains("AUTH \(mechanism)"), "\(message)")
            #expect(!message.contains(password), "\(message)")
            #expect(!message.contains(Data(password.utf8).base64EncodedString()), "\(message)")
            #expect(!message.contains(Data("\0alerts\0\(password)".utf8).base64EncodedString()), "\(message)")
            #expect(error?.isPermanent == true)
            #expect(server.mails.isEmpty)
        }
    }

    @Test func credentialsWithoutASupportedMechanismFailClearly() async throws {
        let server = TestSMTPServer(options: .init(authMechanisms: []))
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: Self.configuration(port: port, startTLS: .off, user: "alerts", password: "s3cret-Pa55"))
                .send(Self.message())
        }
        #expect(error?.message == "SMTP server 127.0.0.1:\(port) offers no AUTH mechanism this client supports (PLAIN, LOGIN; offered: none)")
        #expect(server.mails.isEmpty)
    }

    @Test func refusedRecipientIsQuoted() async throws {
        let server = TestSMTPServer(options: .init(refusedRecipients: ["nobody@example.com"]))
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: Self.configuration(port: port, startTLS: .off)).send(Self.message(to: ["ok@example.com", "nobody@example.com"]))
        }
        #expect(error?.replyCode == 550)
        #expect(error?.message == "SMTP server refused RCPT TO <nobody@example.com>: 550 5.1.1 <nobody@example.com>: Recipient address rejected")
    }

    @Test func startTLSRequiredUpgradesAndAuthenticatesOverTLS() async throws {
        let directory = try TemporaryDirectory()
        let certificate = try TestCertificate.make(in: directory.url)
        let server = TestSMTPServer(options: .init(tls: try certificate.serverContext(), authMechanisms: ["PLAIN", "LOGIN"]))
        let port = try await server.start()
        defer { Task { await server.stop() } }
        var configuration = Self.configuration(port: port, startTLS: .required, user: "alerts", password: "s3cret-Pa55", host: "localhost")
        configuration.tls = certificate.clientConfiguration()
        try await SMTPClient(configuration: configuration).send(Self.message())
        let mail = try #require(server.mails.first)
        #expect(mail.overTLS)
        #expect(mail.authenticatedAs == "alerts")
    }

    @Test func startTLSRequiredFailsOnAnUntrustedCertificate() async throws {
        let directory = try TemporaryDirectory()
        let certificate = try TestCertificate.make(in: directory.url)
        let server = TestSMTPServer(options: .init(tls: try certificate.serverContext(), authMechanisms: ["PLAIN"]))
        let port = try await server.start()
        defer { Task { await server.stop() } }
        // The default configuration trusts the system roots only.
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: Self.configuration(port: port, startTLS: .required, user: "alerts", password: "s3cret-Pa55", host: "localhost"))
                .send(Self.message())
        }
        #expect(error?.message.contains("TLS") == true, "\(error?.message ?? "")")
        #expect(server.authAttempts.isEmpty)
        #expect(server.mails.isEmpty)
    }

    @Test func startTLSRequiredFailsClearlyWhenNotOffered() async throws {
        let server = TestSMTPServer(options: .init(authMechanisms: ["PLAIN"]))
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: Self.configuration(port: port, startTLS: .required, user: "alerts", password: "s3cret-Pa55"))
                .send(Self.message())
        }
        #expect(error?.message == "SMTP server 127.0.0.1:\(port) does not offer STARTTLS, which --smtp-starttls required demands")
        #expect(error?.isPermanent == true)
        #expect(server.authAttempts.isEmpty)  // no credentials sent in clear text
    }

    @Test func opportunisticRefusesAuthInClearTextWhenStartTLSIsNotOffered() async throws {
        let server = TestSMTPServer(options: .init(authMechanisms: ["PLAIN", "LOGIN"]))
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: Self.configuration(port: port, startTLS: .opportunistic, user: "alerts", password: "s3cret-Pa55"))
                .send(Self.message())
        }
        #expect(error?.message == "SMTP server 127.0.0.1:\(port) does not offer STARTTLS, so AUTH would send the password in clear text; "
                + "refused with --smtp-starttls opportunistic (--smtp-starttls off allows AUTH without TLS explicitly)")
        #expect(error?.isPermanent == true)
        #expect(server.authAttempts.isEmpty)  // nothing was sent
        #expect(server.mails.isEmpty)
        // Stated explicitly, clear-text AUTH goes ahead.
        try await SMTPClient(configuration: Self.configuration(port: port, startTLS: .off, user: "alerts", password: "s3cret-Pa55")).send(Self.message())
        #expect(server.authAttempts.map(\.success) == [true])
    }

    @Test func repliesSentWithThe220ToStartTLSAreRefusedAsInjection() async throws {
        let directory = try TemporaryDirectory()
        let certificate = try TestCertificate.make(in: directory.url)
        // "220 go\r\n250 fake\r\n" in one write: without the check, "250 fake" is read as the EHLO reply over TLS.
        // A partial line or an unfinished multiline reply would be glued to the first bytes decrypted.
        for (injected, mode) in [("250 fake\r\n", SMTPConfiguration.StartTLSMode.required), ("250 fake\r\n", .opportunistic),
                                 ("250 fa", .required), ("250-fake\r\n", .required)] {
            let server = TestSMTPServer(options: .init(tls: try certificate.serverContext(), injectAfterStartTLS: injected))
            let port = try await server.start()
            defer { Task { await server.stop() } }
            var configuration = Self.configuration(port: port, startTLS: mode, host: "localhost")
            configuration.tls = certificate.clientConfiguration()
            let error = await #expect(throws: SMTPError.self) { try await SMTPClient(configuration: configuration).send(Self.message()) }
            #expect(error?.message == "SMTP server localhost:\(port) sent more data after its 220 reply to STARTTLS, before the TLS handshake; "
                    + "refusing to go on, as that data could be forged (STARTTLS response injection)")
            #expect(error?.isPermanent == true)
            #expect(server.mails.isEmpty)
        }
    }

    @Test func opportunisticWithoutOfferAndOffWithOfferStayPlain() async throws {
        let plain = TestSMTPServer(options: .init())
        let plainPort = try await plain.start()
        try await SMTPClient(configuration: Self.configuration(port: plainPort, startTLS: .opportunistic)).send(Self.message())
        await plain.stop()
        #expect(plain.mails.first?.overTLS == false)

        let directory = try TemporaryDirectory()
        let certificate = try TestCertificate.make(in: directory.url)
        let tls = TestSMTPServer(options: .init(tls: try certificate.serverContext()))
        let tlsPort = try await tls.start()
        try await SMTPClient(configuration: Self.configuration(port: tlsPort, startTLS: .off, host: "localhost")).send(Self.message())
        var opportunistic = Self.configuration(port: tlsPort, startTLS: .opportunistic, host: "localhost")
        opportunistic.tls = certificate.clientConfiguration()
        try await SMTPClient(configuration: opportunistic).send(Self.message())
        await tls.stop()
        #expect(tls.mails.map(\.overTLS) == [false, true])
    }

    @Test func aSilentServerTimesOut() async throws {
        let (silent, _) = try await TCPListeners.silent()
        defer { silent.close(promise: nil) }
        let started = ContinuousClock.now
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: Self.configuration(port: silent.localAddress!.port!, startTLS: .off, timeout: .milliseconds(500)))
                .send(Self.message())
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(error?.message.contains("did not answer the connection (greeting) within") == true, "\(error?.message ?? "")")
    }

    @Test func addressesWithLineBreaksAreRefusedBeforeConnecting() async throws {
        let server = TestSMTPServer(options: .init())
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: Self.configuration(port: port, startTLS: .off))
                .send(Self.message(to: ["a@example.com>\r\nRCPT TO:<evil@example.com"]))
        }
        #expect(error?.isPermanent == true)
        #expect(error?.message.hasSuffix("is not an email address") == true)
        #expect(server.mails.isEmpty)
    }

    @Test func connectionRefusedIsReported() async throws {
        let port = try await TCPListeners.closedPort()
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: Self.configuration(port: port, startTLS: .off)).send(Self.message())
        }
        #expect(error?.message.hasPrefix("cannot connect to SMTP server 127.0.0.1:\(port)") == true, "\(error?.message ?? "")")
    }
}
