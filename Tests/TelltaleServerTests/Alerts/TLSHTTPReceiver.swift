import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A minimal real HTTPS receiver on 127.0.0.1 (NIOSSL over a raw socket): answers every request with 200 and
/// records the `Host` header of each. Enough HTTP/1.1 for one POST with a `Content-Length` body per connection.
final class TLSHTTPReceiver: Sendable {
    private let hostHeaders = NIOLockedValueBox<[String]>([])
    private let channel = NIOLockedValueBox<(any Channel)?>(nil)

    /// The `Host` header of every request received, in order.
    var hosts: [String] { hostHeaders.withLockedValue { $0 } }

    /// Starts listening with `context`; returns the port.
    func start(_ context: NIOSSLContext) async throws -> Int {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [hostHeaders] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.addHandler(TLSHTTPRequestHandler(hosts: hostHeaders))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        channel.withLockedValue { $0 = server }
        return server.localAddress!.port!
    }

    func stop() async {
        try? await channel.withLockedValue { $0 }?.close()
    }
}

/// Reads one request (head and `Content-Length` body), records its Host, answers 200 and closes.
final class TLSHTTPRequestHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let hosts: NIOLockedValueBox<[String]>
    private var received = ByteBuffer()

    init(hosts: NIOLockedValueBox<[String]>) {
        self.hosts = hosts
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        received.writeBuffer(&incoming)
        let text = String(buffer: received)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return }
        let lines = text[..<headEnd.lowerBound].split(separator: "\r\n").dropFirst()
        func header(_ name: String) -> String? {
            lines.first { $0.lowercased().hasPrefix(name + ":") }.map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
        }
        let length = header("content-length").flatMap { Int($0) } ?? 0
        guard text.utf8.count - text[..<headEnd.upperBound].utf8.count >= length else { return }
        hosts.withLockedValue { $0.append(header("host") ?? "") }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")))
            .whenComplete { _ in channel.close(promise: nil) }
    }
}
