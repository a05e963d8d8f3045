import NIOCore

/// Decodes the server's bytes into `SMTPReply` values (with `SMTPReplyDecoder`) and keeps the count of replies
/// passed on and of bytes not yet decoded, so the client can prove before STARTTLS's TLS handshake that
/// nothing sent in clear text is waiting to be read as if it came over TLS (STARTTLS response injection).
final class SMTPReplyHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = SMTPReply

    private var decoder = SMTPReplyDecoder()
    private var buffer = ByteBuffer()
    private var failed = false
    /// Replies passed on to the next handler since the connection opened.
    private(set) var repliesPassedOn = 0

    /// True when bytes of a reply that is not complete yet are held (a partial line or multiline reply).
    var holdsPartialReply: Bool { buffer.readableBytes > 0 || decoder.isInsideReply }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        do {
            while let reply = try decoder.nextReply(from: &buffer) {
                repliesPassedOn += 1
                context.fireChannelRead(wrapInboundOut(reply))
            }
            buffer.discardReadBytes()
        } catch {
            failed = true
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension SMTPReplyHandler: Sendable {}
