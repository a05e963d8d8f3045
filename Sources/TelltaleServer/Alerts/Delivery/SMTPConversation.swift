import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// One SMTP connection's command/reply exchange, with a timeout on every reply.
///
/// On timeout the channel is closed, which ends the pending read; the flag tells that close apart from
/// the server hanging up.
struct SMTPConversation {
    private var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let channel: any Channel
    private let timeout: TimeAmount
    private let timedOut = NIOLockedValueBox(false)
    /// Strings cut out of every quoted server reply (the password and its encodings).
    private let secrets: [String]
    private let server: String
    /// Replies read so far; compared with the replies decoded before STARTTLS's handshake.
    private var repliesRead = 0

    init(inbound: NIOAsyncChannelInboundStream<SMTPReply>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
         channel: any Channel, timeout: TimeAmount, secrets: [String], server: String) {
        self.replies = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.channel = channel
        self.timeout = timeout
        self.secrets = secrets
        self.server = server
    }

    /// Waits for the next reply, for at most the timeout; `step` names what it answers in errors.
    mutating func read(answering step: String) async throws -> SMTPReply {
        let timedOut = self.timedOut
        let channel = self.channel
        let watchdog = channel.eventLoop.scheduleTask(in: timeout) {
            timedOut.withLockedValue { $0 = true }
            channel.close(promise: nil)
        }
        defer { watchdog.cancel() }
        let reply: SMTPReply?
        do {
            reply = try await replies.next()
        } catch {
            if timedOut.withLockedValue({ $0 }) { throw timeoutError(step) }
            throw failure(error, during: step)
        }
        guard let reply else {
            if timedOut.withLockedValue({ $0 }) { throw timeoutError(step) }
            throw SMTPError(message: "SMTP server \(server) closed the connection while we waited for its reply to \(step)")
        }
        repliesRead += 1
        return reply
    }

    /// Sends `line` (CRLF added) and reads the reply; `step` is how the command is named in errors (never
    /// with credentials). Throws unless the reply code is in `expected`.
    @discardableResult
    mutating func command(_ line: String, step: String, expect expected: Set<Int>) async throws -> SMTPReply {
        do {
            try await write(line + "\r\n", during: step)
        } catch {
            // The channel closed under us (e.g. a failed TLS handshake): the inbound side holds the cause.
            _ = try await read(answering: step)
            throw error
        }
        let reply = try await read(answering: step)
        guard expected.contains(reply.code) else { throw SMTPError.unexpected(reply, after: step, secrets: secrets) }
        return reply
    }

    /// Writes raw text.
    func write(_ text: String, during step: String) async throws {
        do {
            try await outbound.write(ByteBuffer(string: text))
        } catch {
            throw failure(error, during: step)
        }
    }

    /// Upgrades the connection to TLS (after the server's 220 to STARTTLS). Refuses (permanently) when the
    /// server sent anything after that 220 before the handshake: those clear-text bytes would otherwise be read
    /// as replies over TLS (STARTTLS response injection, CVE-2011-0411 family). The check and the insertion
    /// of the TLS handler run in one event-loop task, so no byte can slip in between them.
    func startTLS(configuration: TLSConfiguration, serverHostname: String?) async throws {
        let context = try NIOSSLContext(configuration: configuration)
        let channel = self.channel
        let repliesRead = self.repliesRead
        let server = self.server
        try await channel.eventLoop.submit {
            let replies = try channel.pipeline.syncOperations.handler(type: SMTPReplyHandler.self)
            if replies.repliesPassedOn != repliesRead || replies.holdsPartialReply {
                throw SMTPError(
                    message: "SMTP server \(server) sent more data after its 220 reply to STARTTLS, before the TLS handshake; "
                        + "refusing to go on, as that data could be forged (STARTTLS response injection)",
                    isPermanent: true)
            }
            try channel.pipeline.syncOperations.addHandler(
                try NIOSSLClientHandler(context: context, serverHostname: serverHostname), position: .first)
        }.get()
    }

    /// Throws the reply as an error unless its code is in `expected`.
    func check(_ reply: SMTPReply, step: String, expect expected: Set<Int>) throws {
        guard expected.contains(reply.code) else { throw SMTPError.unexpected(reply, after: step, secrets: secrets) }
    }

    private func timeoutError(_ step: String) -> SMTPError {
        let milliseconds = timeout.nanoseconds / 1_000_000
        let limit = milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
        return SMTPError(message: "SMTP server \(server) did not answer \(step) within \(limit)")
    }

    private func failure(_ error: any Error, during step: String) -> SMTPError {
        if let error = error as? SMTPError { return error }
        if String(reflecting: type(of: error)).hasPrefix("NIOSSL.") {
            return SMTPError(message: "TLS with SMTP server \(server) failed during \(step): \(error)")
        }
        return SMTPError(message: "connection to SMTP server \(server) failed during \(step): \(error)")
    }
}
