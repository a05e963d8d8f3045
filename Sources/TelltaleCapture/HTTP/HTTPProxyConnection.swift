#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import TelltaleCore

/// The proxy's side of one downstream (client) connection, and of the upstream connection it owns.
///
/// Lives on the downstream channel's event loop; its upstream channel is opened on the same loop, so
/// the hot path never leaves the thread. Bytes are forwarded as they are read (slices of the read
/// buffer, never re-encoded, flushed per read); the observer sees them afterwards. One exchange at a
/// time: a pipelined request waits, unread, until the previous response ended. Backpressure: a side
/// whose peer is not writable is not read from.
final class HTTPProxyConnection: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The request/response pair in flight.
    struct Exchange {
        var observer: (any HTTPExchangeObserver)?
        var requestEnded = false
        var responseEnded = false
        var interimResponse = false
        var closeAfter = false
    }

    enum Upstream {
        case none
        case connecting
        case connected(any Channel, HTTPUpstreamHandler)
        /// The connection could not be opened: the rest of the request is read for capture only, then
        /// the client is reset.
        case unreachable(String)
    }

    let shared: HTTPProxyShared
    let connectionID: UInt64
    var context: ChannelHandlerContext?
    var clientAddress: String?

    var requestFramer = HTTPProxyFramer(kind: .request)
    var responseFramer = HTTPProxyFramer(kind: .response)
    /// Downstream bytes read but not processed yet (partial head, or a pipelined request).
    var inbound = HTTPProxyConnection.emptyBuffer
    /// Upstream bytes read but not processed yet (partial head or chunk line).
    var upstreamInbound = HTTPProxyConnection.emptyBuffer
    var upstream = Upstream.none
    /// Bumped per upstream connection, so late events of a previous one are ignored.
    var upstreamGeneration = 0
    /// Writes waiting for the upstream connection.
    var pendingUpstreamWrites: [ByteBuffer] = []
    var exchange: Exchange?
    var downstreamReadPending = false
    var closing = false
    var processing = false
    var reprocess = false
    var lastUpstreamError: String?

    /// Shared by every idle connection: resetting to it releases the last read buffer without allocating.
    static let emptyBuffer = ByteBuffer()

    init(shared: HTTPProxyShared) {
        self.shared = shared
        self.connectionID = HTTPProxyShared.newConnectionID()
    }

    // MARK: - Downstream events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        clientAddress = HTTPProxyAddress.format(context.channel.remoteAddress)
        shared.stats.connectionOpened()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard !closing else { return }
        if inbound.readableBytes == 0 {
            inbound = buffer
        } else {
            inbound.writeBuffer(&buffer)
        }
        processRequests()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        if let current = exchange, !current.responseEnded {
            current.observer?.failed(.clientGone)
        }
        exchange = nil
        closeUpstream()
        shared.stats.connectionClosed()
        shared.observer?.connectionClosed(connectionID)
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, case .connected(_, let handler) = upstream {
            handler.resumeReading()
        }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if canReadDownstream {
            context.read()
        } else {
            downstreamReadPending = true
        }
    }

    /// Reading from the client is useful: upstream can take bytes and no pipelined request waits.
    private var canReadDownstream: Bool {
        if closing { return false }
        if let exchange, exchange.requestEnded, inbound.readableBytes > 0 { return false }
        switch upstream {
        case .none: return true
        case .connecting: return false
        case .connected(let channel, _): return channel.isWritable
        case .unreachable: return true
        }
    }

    func resumeDownstreamReading() {
        guard downstreamReadPending, canReadDownstream, let context else { return }
        downstreamReadPending = false
        context.read()
    }

    /// The downstream is writable (upstream reads may go on).
    var downstreamWritable: Bool { context?.channel.isWritable ?? false }

    // MARK: - Requests (downstream → upstream)

    /// Forwards as much of ``inbound`` as the current state allows.
    func processRequests() {
        if processing {
            reprocess = true
            return
        }
        processing = true
        defer { processing = false }
        repeat {
            reprocess = false
            processRequestEvents()
        } while reprocess && !closing
        if !closing { resumeDownstreamReading() }
    }

    private func processRequestEvents() {
        var wrote = false
        defer {
            if wrote, case .connected(let channel, _) = upstream { channel.flush() }
            if inbound.readableBytes == 0 { inbound = Self.emptyBuffer }
        }
        while !closing {
            if let exchange, exchange.requestEnded { return }
            if case .connecting = upstream { return }
            let event: HTTPProxyFramer.Event?
            do {
                event = try requestFramer.next(&inbound)
            } catch {
                rejectRequest(error)
                return
            }
            guard let event else { return }
            switch event {
            case .head(let head):
                startExchange(head)
                wrote = true
            case .data(let bytes):
                wrote = writeUpstream(bytes) || wrote
                if let observer = exchange?.observer {
                    bytes.withUnsafeReadableBytes { observer.requestBodyPart($0) }
                }
            case .framing(let bytes):
                wrote = writeUpstream(bytes) || wrote
            case .end:
                guard exchange != nil else { return }
                exchange!.requestEnded = true
                exchange!.observer?.requestEnded()
                if case .unreachable(let reason) = upstream {
                    failUnreachable(reason)
                    return
                }
                if exchange!.responseEnded { finishExchange() }
            }
        }
    }

    private func startExchange(_ head: HTTPProxyMessageHead) {
        shared.stats.requestRelayed()
        let current = Exchange(closeAfter: head.closesConnection)
        let inspected = !shared.prefixes.isEmpty
            && head.raw.withUnsafeReadableBytes { shared.prefixes.matches(target: UnsafeRawBufferPointer(rebasing: $0[head.target])) }
        responseFramer.noBody = head.raw.withUnsafeReadableBytes { HTTPProxyBytes.equals($0, head.method, "HEAD") }
        let forwarded = head.forwardBytes(allocator: context?.channel.allocator ?? ByteBufferAllocator())
        exchange = current
        let mustConnect: Bool
        if case .none = upstream {
            pendingUpstreamWrites.append(forwarded)
            mustConnect = true
        } else {
            writeUpstream(forwarded)
            mustConnect = false
        }
        if inspected {
            shared.stats.requestInspected()
            if let observer = shared.observer {
                let summary = HTTPRequestSummary(
                    method: head.string(at: head.method), target: head.string(at: head.target),
                    headers: HTTPFields(head.summaryFields()), clientAddress: clientAddress, connectionID: connectionID)
                exchange?.observer = observer.beginExchange(summary)
            }
        }
        if mustConnect { connectUpstream() }
        if upstreamInbound.readableBytes > 0 { processResponses() }
    }

    /// Writes to the upstream connection (or queues while it is being opened); true when written.
    @discardableResult
    func writeUpstream(_ bytes: ByteBuffer) -> Bool {
        switch upstream {
        case .connected(let channel, _):
            channel.write(bytes, promise: nil)
            return true
        case .connecting:
            pendingUpstreamWrites.append(bytes)
            return false
        case .none, .unreachable:
            // The upstream closed after answering while the client was still sending, or could not be
            // reached at all: dropped.
            return false
        }
    }

    /// The request and its response are both complete.
    func finishExchange() {
        guard let current = exchange else { return }
        exchange = nil
        if current.closeAfter {
            closeDownstreamGracefully()
        } else {
            processRequests()
        }
    }

    /// A malformed request from the client: a bad head is answered 400 (431 when too large) and the
    /// connection closed, as an origin server would; a bad body mid-exchange resets the connection
    /// (a response may already be on its way, it cannot be interleaved with another).
    private func rejectRequest(_ error: HTTPProxyParseError) {
        guard let context else { return }
        if exchange != nil {
            exchange?.observer?.failed(.clientGone)
            exchange = nil
            resetDownstream()
            return
        }
        let status = error.description == HTTPProxyParseError.headTooLarge.description
            ? "431 Request Header Fields Too Large" : "400 Bad Request"
        var response = context.channel.allocator.buffer(capacity: 96)
        response.writeString("HTTP/1.1 \(status)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        context.write(wrapOutboundOut(response), promise: nil)
        closeDownstreamGracefully()
    }

    // MARK: - Closing

    /// Flushes what was written, then closes the client connection (and the upstream one).
    func closeDownstreamGracefully() {
        guard let context, !closing else { return }
        closing = true
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(capacity: 0))).whenComplete { _ in
            channel.close(promise: nil)
        }
        closeUpstream()
    }

    /// Closes the client connection with a TCP RST (SO_LINGER 0), as a failed direct connection would be.
    func resetDownstream() {
        guard let context, !closing else { return }
        closing = true
        let channel = context.channel
        // On the loop the option is set synchronously, before the close below.
        _ = (channel as? any SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0))
        channel.close(promise: nil)
        closeUpstream()
    }

    func closeUpstream() {
        if case .connected(let channel, _) = upstream {
            channel.close(promise: nil)
        }
        upstream = .none
        pendingUpstreamWrites = []
        upstreamGeneration += 1
    }
}
