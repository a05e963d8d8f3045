import NIOCore

/// The handler of an upstream connection: hands everything to its ``HTTPProxyConnection``.
///
/// Reads are held back while the client connection is not writable (backpressure).
final class HTTPUpstreamHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let connection: HTTPProxyConnection
    private let generation: Int
    private var context: ChannelHandlerContext?
    private var readPending = false

    init(connection: HTTPProxyConnection, generation: Int) {
        self.connection = connection
        self.generation = generation
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection.upstreamRead(unwrapInboundIn(data), generation: generation)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        connection.upstreamReadComplete(generation: generation)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { connection.resumeDownstreamReading() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.upstreamClosed(generation: generation)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.upstreamError(error, generation: generation)
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if connection.downstreamWritable {
            context.read()
        } else {
            readPending = true
        }
    }

    /// The client connection became writable again: go on reading.
    func resumeReading() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }
}
