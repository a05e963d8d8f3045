import NIOCore
import NIOHTTP1

/// An NIOHTTP1 upstream for the tests.
///
/// `/echo` streams the request body back with the request's framing (Content-Length or chunked);
/// `/chunked` answers three chunks; anything else answers `method target` with a Content-Length
/// and mixed-case, repeated fields (no body for HEAD).
final class HTTPTestUpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var echoing = false
    private var pendingEnd: HTTPRequestHead?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if head.uri == "/echo" {
                echoing = true
                var headers = HTTPHeaders([("Content-Type", "application/octet-stream")])
                if let length = head.headers.first(name: "content-length") {
                    headers.add(name: "Content-Length", value: length)
                } else {
                    headers.add(name: "Transfer-Encoding", value: "chunked")
                }
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            } else {
                pendingEnd = head
            }
        case .body(let bytes):
            if echoing { context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil) }
        case .end:
            if echoing {
                echoing = false
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            } else if let head = pendingEnd {
                pendingEnd = nil
                respond(context: context, to: head)
            }
        }
    }

    private func respond(context: ChannelHandlerContext, to head: HTTPRequestHead) {
        if head.uri == "/chunked" {
            let headers = HTTPHeaders([("Content-Type", "text/plain"), ("X-Mixed-Case", "Yes"), ("Transfer-Encoding", "chunked")])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            for part in ["alpha", "beta", "gamma"] {
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: part)))), promise: nil)
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        let body = "\(head.method.rawValue) \(head.uri)"
        let headers = HTTPHeaders([
            ("Content-Type", "text/plain"), ("X-Repeat", "1"), ("x-repeat", "2"),
            ("Content-Length", String(body.utf8.count)),
        ])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
