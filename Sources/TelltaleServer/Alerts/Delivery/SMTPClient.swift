import Foundation
import NIOCore
import NIOPosix

/// Sends one email through an SMTP relay: EHLO, STARTTLS (per the configured mode), AUTH PLAIN or LOGIN,
/// MAIL FROM, RCPT TO for every recipient, DATA (dot-stuffed), QUIT. One connection per message.
package struct SMTPClient: Sendable {
    package var configuration: SMTPConfiguration
    package var eventLoopGroup: any EventLoopGroup

    package init(configuration: SMTPConfiguration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
    }

    /// Delivers `message` to every recipient; throws an `SMTPError` quoting the server's refusal.
    package func send(_ message: EmailMessage) async throws {
        guard !message.to.isEmpty else { throw SMTPError(message: "email has no recipients", isPermanent: true) }
        // Addresses go into SMTP commands: anything but a plain mailbox (e.g. a line break) is refused.
        for address in message.to + [configuration.from] where !EmailAddress.isPlausible(address) {
            throw SMTPError(message: "\"\(EmailMessage.headerSafe(String(address.prefix(100))))\" is not an email address", isPermanent: true)
        }
        let configuration = self.configuration
        let server = "\(configuration.host):\(configuration.port)"
        let channel: NIOAsyncChannel<SMTPReply, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(TimeAmount(configuration.timeout))
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler())
                        return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw SMTPError(message: "cannot connect to SMTP server \(server): \(error)")
        }
        try await channel.executeThenClose { inbound, outbound in
            var conversation = SMTPConversation(
                inbound: inbound, outbound: outbound, channel: channel.channel,
                timeout: TimeAmount(configuration.timeout), secrets: Self.secrets(of: configuration), server: server)
            try await run(message, on: &conversation)
        }
    }

    private func run(_ message: EmailMessage, on conversation: inout SMTPConversation) async throws {
        let greeting = try await conversation.read(answering: "the connection (greeting)")
        try conversation.check(greeting, step: "the connection (greeting)", expect: [220])
        var extensions = try await hello(on: &conversation)

        let tlsWanted: Bool
        switch configuration.startTLS {
        case .required:
            guard extensions.startTLS else {
                throw SMTPError(message: "SMTP server \(configuration.host):\(configuration.port) does not offer STARTTLS, which --smtp-starttls required demands", isPermanent: true)
            }
            tlsWanted = true
        case .opportunistic: tlsWanted = extensions.startTLS
        case .off: tlsWanted = false
        }
        if tlsWanted {
            try await conversation.command("STARTTLS", step: "STARTTLS", expect: [220])
            try await conversation.startTLS(configuration: configuration.tls, serverHostname: Self.sniName(configuration.host))
            extensions = try await hello(on: &conversation)
        }

        if let username = configuration.username {
            // Opportunistic TLS must not turn into a silent clear-text password (a stripped STARTTLS offer).
            if !tlsWanted && configuration.startTLS != .off {
                throw SMTPError(
                    message: "SMTP server \(configuration.host):\(configuration.port) does not offer STARTTLS, so AUTH would send the password "
                        + "in clear text; refused with --smtp-starttls \(configuration.startTLS.rawValue) "
                        + "(--smtp-starttls off allows AUTH without TLS explicitly)",
                    isPermanent: true)
            }
            try await authenticate(username: username, password: configuration.password ?? "", extensions: extensions, on: &conversation)
        }

        try await conversation.command("MAIL FROM:<\(configuration.fromAddress)>", step: "MAIL FROM", expect: [250])
        for recipient in message.to {
            let address = EmailAddress.bare(recipient)
            try await conversation.command("RCPT TO:<\(address)>", step: "RCPT TO <\(address)>", expect: [250, 251])
        }
        try await conversation.command("DATA", step: "DATA", expect: [354])
        try await conversation.write(Self.dotStuffed(message.rendered()) + ".\r\n", during: "the message body")
        let accepted = try await conversation.read(answering: "the message body")
        try conversation.check(accepted, step: "the message", expect: [250])
        // The message is accepted; a failing QUIT changes nothing.
        _ = try? await conversation.command("QUIT", step: "QUIT", expect: [221])
    }

    /// EHLO, falling back to HELO (no extensions) for servers that do not know EHLO.
    private func hello(on conversation: inout SMTPConversation) async throws -> SMTPExtensions {
        let reply = try await conversation.command("EHLO \(configuration.heloName)", step: "EHLO", expect: [250, 500, 502])
        if reply.code == 250 { return SMTPExtensions(ehlo: reply) }
        try await conversation.command("HELO \(configuration.heloName)", step: "HELO", expect: [250])
        return SMTPExtensions()
    }

    private func authenticate(username: String, password: String, extensions: SMTPExtensions,
                              on conversation: inout SMTPConversation) async throws {
        guard let mechanism = extensions.preferredAuthMechanism else {
            let offered = extensions.authMechanisms.isEmpty ? "none" : extensions.authMechanisms.joined(separator: " ")
            throw SMTPError(message: "SMTP server \(configuration.host):\(configuration.port) offers no AUTH mechanism this client supports (PLAIN, LOGIN; offered: \(offered))", isPermanent: true)
        }
        switch mechanism {
        case "PLAIN":
            let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
            try await conversation.command("AUTH PLAIN \(token)", step: "AUTH PLAIN", expect: [235])
        default:
            try await conversation.command("AUTH LOGIN", step: "AUTH LOGIN", expect: [334])
            try await conversation.command(Data(username.utf8).base64EncodedString(), step: "AUTH LOGIN (user name)", expect: [334])
            try await conversation.command(Data(password.utf8).base64EncodedString(), step: "AUTH LOGIN (password)", expect: [235])
        }
    }

    /// The forms of the password that must never be quoted: as is, and base64-encoded alone and in AUTH PLAIN.
    static func secrets(of configuration: SMTPConfiguration) -> [String] {
        guard let password = configuration.password, !password.isEmpty else { return [] }
        let user = configuration.username ?? ""
        return [password, Data(password.utf8).base64EncodedString(), Data("\0\(user)\0\(password)".utf8).base64EncodedString()]
    }

    /// The TLS server name for `host`: nil for IP literals (which SNI does not allow).
    static func sniName(_ host: String) -> String? {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1 { return nil }
        return host
    }

    /// CRLF line endings, a leading "." doubled on every line (RFC 5321 4.5.2), ending with CRLF.
    static func dotStuffed(_ text: String) -> String {
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines.map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n") + "\r\n"
    }
}
