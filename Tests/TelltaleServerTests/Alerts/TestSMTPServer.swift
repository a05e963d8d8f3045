import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A small real SMTP server on 127.0.0.1 for the tests: EHLO, STARTTLS (with a test certificate), AUTH
/// PLAIN and LOGIN, MAIL/RCPT/DATA (un-dot-stuffing), QUIT. Records every message and AUTH attempt.
final class TestSMTPServer: Sendable {
    struct Options: Sendable {
        /// Offer STARTTLS with this context.
        var tls: NIOSSLContext?
        /// Mechanisms announced (after TLS when `tls` is set).
        var authMechanisms: [String] = []
        var username = "alerts"
        var password = "s3cret-Pa55"
        /// Recipients refused with 550.
        var refusedRecipients: Set<String> = []
        /// Echo the AUTH data back in the 535 reply (a badly behaved server), to check redaction.
        var echoCredentialsOnFailure = false
        /// Answer STARTTLS with `220 go\r\n` followed by these bytes in the same write (STARTTLS response injection,
        /// e.g. a forged `250 fake\r\n`).
        var injectAfterStartTLS: String?
    }

    struct Mail: Sendable {
        var from: String
        var to: [String]
        /// The message as received, after un-dot-stuffing, CRLF line endings.
        var data: String
        var overTLS: Bool
        var authenticatedAs: String?
        var authMechanism: String?
    }

    struct State {
        var mails: [Mail] = []
        var authAttempts: [(mechanism: String, user: String, success: Bool)] = []
        var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    let options: Options
    let state = NIOLockedValueBox(State())
    private let channel: NIOLockedValueBox<(any Channel)?> = NIOLockedValueBox(nil)

    init(options: Options) {
        self.options = options
    }

    var mails: [Mail] { state.withLockedValue { $0.mails } }
    var authAttempts: [(mechanism: String, user: String, success: Bool)] { state.withLockedValue { $0.authAttempts } }

    /// Starts listening; returns the port.
    func start() async throws -> Int {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(TestLineDecoder()))
                    try channel.pipeline.syncOperations.addHandler(TestSMTPSessionHandler(server: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        channel.withLockedValue { $0 = server }
        return server.localAddress!.port!
    }

    func stop() async {
        try? await channel.withLockedValue { $0 }?.close()
    }

    func deliver(_ mail: Mail) {
        let ready = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.mails.append(mail)
            let count = state.mails.count
            let ready = state.waiters.filter { count >= $0.count }.map(\.continuation)
            state.waiters.removeAll { count >= $0.count }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once `count` messages arrived.
    func waitForMails(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let done = state.withLockedValue { state -> Bool in
                if state.mails.count >= count { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }
}

/// Splits a byte stream into lines (without CRLF).
struct TestLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return .needMoreData }
        var line = buffer.readString(length: newline - buffer.readerIndex) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }
}

/// One SMTP session, on the channel's event loop.
final class TestSMTPSessionHandler: ChannelInboundHandler {
    typealias InboundIn = String
    typealias OutboundOut = ByteBuffer

    private let server: TestSMTPServer
    private var overTLS = false
    private var from: String?
    private var recipients: [String] = []
    private var data: [String]?
    private var authenticatedAs: String?
    private var authMechanism: String?
    /// An AUTH exchange in progress: the mechanism and the lines received so far.
    private var auth: (mechanism: String, lines: [String])?

    init(server: TestSMTPServer) {
        self.server = server
    }

    func channelActive(context: ChannelHandlerContext) {
        reply(context, "220 test.local ESMTP ready")
    }

    func channelRead(context: ChannelHandlerContext, data input: NIOAny) {
        let line = unwrapInboundIn(input)
        if data != nil { return receiveData(context, line) }
        if let pending = auth { return continueAuth(context, pending.mechanism, pending.lines + [line]) }
        let verb = line.split(separator: " ").first.map { $0.uppercased() } ?? ""
        let argument = line.count > verb.count ? String(line.dropFirst(verb.count + 1)) : ""
        switch verb {
        case "EHLO":
            var lines = ["test.local greets \(argument)"]
            let options = server.options
            if options.tls != nil && !overTLS { lines.append("STARTTLS") }
            if !options.authMechanisms.isEmpty && (options.tls == nil || overTLS) {
                lines.append("AUTH " + options.authMechanisms.joined(separator: " "))
            }
            lines.append("8BITMIME")
            reply(context, lines.enumerated().map { "250\($0.offset == lines.count - 1 ? " " : "-")\($0.element)" }.joined(separator: "\r\n"))
        case "HELO": reply(context, "250 test.local")
        case "STARTTLS":
            guard let tls = server.options.tls, !overTLS else { return reply(context, "502 5.5.1 not available") }
            if let injected = server.options.injectAfterStartTLS {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "220 go\r\n" + injected)), promise: nil)
            } else {
                reply(context, "220 2.0.0 Ready to start TLS")
            }
            overTLS = true
            try! context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
        case "AUTH":
            let parts = argument.split(separator: " ").map(String.init)
            let mechanism = parts.first?.uppercased() ?? ""
            guard server.options.authMechanisms.contains(mechanism) else { return reply(context, "504 5.5.4 mechanism not supported") }
            continueAuth(context, mechanism, Array(parts.dropFirst()))
        case "MAIL":
            guard server.options.authMechanisms.isEmpty || authenticatedAs != nil else { return reply(context, "530 5.7.0 Authentication required") }
            from = Self.address(in: argument)
            recipients = []
            reply(context, "250 2.1.0 Ok")
        case "RCPT":
            let address = Self.address(in: argument)
            if server.options.refusedRecipients.contains(address) { return reply(context, "550 5.1.1 <\(address)>: Recipient address rejected") }
            recipients.append(address)
            reply(context, "250 2.1.5 Ok")
        case "DATA":
            guard from != nil, !recipients.isEmpty else { return reply(context, "503 5.5.1 need MAIL and RCPT first") }
            data = []
            reply(context, "354 End data with <CR><LF>.<CR><LF>")
        case "QUIT":
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "221 2.0.0 Bye\r\n"))).whenComplete { _ in channel.close(promise: nil) }
        default:
            reply(context, "502 5.5.2 command not recognized")
        }
    }

    private func receiveData(_ context: ChannelHandlerContext, _ line: String) {
        if line == "." {
            let mail = TestSMTPServer.Mail(from: from ?? "", to: recipients, data: (data ?? []).joined(separator: "\r\n") + "\r\n",
                                           overTLS: overTLS, authenticatedAs: authenticatedAs, authMechanism: authMechanism)
            data = nil
            from = nil
            recipients = []
            server.deliver(mail)
            return reply(context, "250 2.0.0 Ok: queued")
        }
        data?.append(line.hasPrefix(".") ? String(line.dropFirst()) : line)
    }

    private func continueAuth(_ context: ChannelHandlerContext, _ mechanism: String, _ lines: [String]) {
        switch (mechanism, lines.count) {
        case ("PLAIN", 0):
            auth = (mechanism, lines)
            reply(context, "334 ")
        case ("PLAIN", _):
            auth = nil
            let decoded = Data(base64Encoded: lines[0]).map { String(decoding: $0, as: UTF8.self) } ?? ""
            let parts = decoded.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
            finishAuth(context, mechanism, user: parts.count == 3 ? parts[1] : "", password: parts.count == 3 ? parts[2] : "", echo: lines[0])
        case ("LOGIN", 0):
            auth = (mechanism, lines)
            reply(context, "334 VXNlcm5hbWU6")
        case ("LOGIN", 1):
            auth = (mechanism, lines)
            reply(context, "334 UGFzc3dvcmQ6")
        default:
            auth = nil
            let user = Data(base64Encoded: lines[0]).map { String(decoding: $0, as: UTF8.self) } ?? ""
            let password = Data(base64Encoded: lines[1]).map { String(decoding: $0, as: UTF8.self) } ?? ""
            finishAuth(context, mechanism, user: user, password: password, echo: lines[1])
        }
    }

    private func finishAuth(_ context: ChannelHandlerContext, _ mechanism: String, user: String, password: String, echo: String) {
        let success = user == server.options.username && password == server.options.password
        server.state.withLockedValue { $0.authAttempts.append((mechanism, user, success)) }
        if success {
            authenticatedAs = user
            authMechanism = mechanism
            reply(context, "235 2.7.0 Authentication successful")
        } else if server.options.echoCredentialsOnFailure {
            reply(context, "535 5.7.8 Authentication credentials invalid: \(echo) (\(password))")
        } else {
            reply(context, "535 5.7.8 Authentication credentials invalid")
        }
    }

    private func reply(_ context: ChannelHandlerContext, _ text: String) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text + "\r\n")), promise: nil)
    }

    private static func address(in argument: String) -> String {
        guard let open = argument.firstIndex(of: "<"), let close = argument.firstIndex(of: ">"), open < close else { return argument }
        return String(argument[argument.index(after: open)..<close])
    }
}

/// A self-signed certificate (by default for `localhost` and 127.0.0.1), made with the `openssl` command.
struct TestCertificate {
    let certificate: NIOSSLCertificate
    let privateKey: NIOSSLPrivateKey

    static func make(in directory: URL, commonName: String = "localhost",
                     subjectAltName: String = "DNS:localhost,IP:127.0.0.1") throws -> TestCertificate {
        let key = directory.appendingPathComponent("key.pem").path
        let cert = directory.appendingPathComponent("cert.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                             "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=\(commonName)",
                             "-addext", "subjectAltName=\(subjectAltName)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return TestCertificate(certificate: try NIOSSLCertificate.fromPEMFile(cert)[0],
                               privateKey: try NIOSSLPrivateKey(file: key, format: .pem))
    }

    func serverContext() throws -> NIOSSLContext {
        try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(privateKey)))
    }

    func clientConfiguration() -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates([certificate])
        return configuration
    }
}
