import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A fast MCP-like Streamable HTTP server for the HTTP proxy benchmark (SwiftNIO, on 127.0.0.1).
///
/// `POST /mcp` with a JSON-RPC request answers the matching result, echoing the request's `id`:
/// - as `application/json` with a Content-Length, by default;
/// - as `text/event-stream` (chunked) when the request has `X-Bench-Reply: sse`: a
///   `notifications/progress` event, flushed on its own, then the result event.
///
/// Anything else answers 404. The reply does not depend on the body beyond the id, so every target of the
/// benchmark gets exactly the same bytes.
final class MCPUpstreamServer: Sendable {
    /// The header that selects the reply kind.
    static let replyHeader = "X-Bench-Reply"

    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let counter: AnsweredCounter

    private init(port: Int, group: MultiThreadedEventLoopGroup, channel: any Channel, counter: AnsweredCounter) {
        self.port = port
        self.group = group
        self.channel = channel
        self.counter = counter
    }

    /// `tools/call` requests answered so far (status 200).
    var answered: Int { counter.value.load(ordering: .relaxed) }

    /// Binds a free loopback port with `threads` event loops.
    static func start(threads: Int) async throws -> MCPUpstreamServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let counter = AnsweredCounter()
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 1024)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(MCPUpstreamHandler(counter: counter))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
            guard let port = channel.localAddress?.port else { throw BenchmarkError("the upstream server has no port") }
            return MCPUpstreamServer(port: port, group: group, channel: channel, counter: counter)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Closes the listening socket and shuts the event loops down (open connections are closed with them).
    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// The number of answered requests, shared by every connection's handler.
private final class AnsweredCounter: Sendable {
    let value = Atomic<Int>(0)
}

/// Answers one `POST /mcp` at a time on a keep-alive connection (see ``MCPUpstreamServer``).
private final class MCPUpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let counter: AnsweredCounter
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(counter: AnsweredCounter) {
        self.counter = counter
    }

    /// About 200 bytes of tool output, so a JSON reply is ~300 bytes like the request.
    private static let text = String(repeating: "b", count: 200)

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            self.head = nil
            respond(context: context, head: head)
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        guard head.method == .POST, head.uri == "/mcp" || head.uri.hasPrefix("/mcp?"), let id = Self.requestID(in: body) else {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: "0")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .notFound, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        counter.value.add(1, ordering: .relaxed)
        let result = #"{"jsonrpc":"2.0","id":"# + id + #","result":{"content":[{"type":"text","text":""# + Self.text
            + #""}],"isError":false}}"#
        var headers = HTTPHeaders()
        if head.headers[MCPUpstreamServer.replyHeader].first?.lowercased() == "sse" {
            headers.add(name: "Content-Type", value: "text/event-stream")
            headers.add(name: "Cache-Control", value: "no-cache")
            headers.add(name: "Transfer-Encoding", value: "chunked")
            let progress = #"event: message"# + "\n" + #"data: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"#
                + id + #","progress":1,"total":2}}"# + "\n\n"
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: progress)))), promise: nil)
            let event = "event: message\ndata: " + result + "\n\n"
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: event)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(result.utf8.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: result)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    /// The raw JSON text of the top-level `"id"` value (a number or a string without escapes), or nil.
    ///
    /// The benchmark's requests start with `{"jsonrpc":"2.0","id":`, so the first `"id":` is the top-level one.
    static func requestID(in body: ByteBuffer) -> String? {
        body.withUnsafeReadableBytes { bytes -> String? in
            let key: [UInt8] = Array(#""id":"#.utf8)
            guard bytes.count > key.count else { return nil }
            var start = -1
            search: for index in 0...(bytes.count - key.count) {
                for offset in key.indices where bytes[index + offset] != key[offset] { continue search }
                start = index + key.count
                break
            }
            guard start >= 0, start < bytes.count else { return nil }
            var end = start
            if bytes[start] == UInt8(ascii: "\"") {
                end += 1
                while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += 1 }
                guard end < bytes.count else { return nil }
                end += 1
            } else {
                while end < bytes.count, bytes[end] != UInt8(ascii: ","), bytes[end] != UInt8(ascii: "}") { end += 1 }
            }
            guard end > start else { return nil }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }
}
