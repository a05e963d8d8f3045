import NIOCore
import Testing
@testable import TelltaleCapture

/// What the client and the server see through the proxy is what they see directly (apart from
/// hop-by-hop fields).
@Suite(.timeLimit(.minutes(1)))
struct HTTPReverseProxyTransparencyTests {
    static let hopByHop: Set<String> = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "x-hop"]

    /// A raw upstream answering `/fixed` and `/chunked-ext` with exact bytes; it reports each
    /// request's raw bytes to `requests`.
    static func rawUpstream(_ network: HTTPTestNetwork, requests: AsyncStream<[UInt8]>.Continuation) async throws -> HTTPTestServer {
        try await network.rawServer { peer in
            while true {
                let request = try await peer.readMessage(isResponse: false)
                requests.yield(request.raw)
                switch request.target {
                case "/fixed":
                    try await peer.write(
                        "HTTP/1.1 299 Fine By Me\r\nX-Lower: a\r\nx-LOWER: b\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
                            + "Content-Length: 11\r\nKeep-Alive: timeout=5\r\nConnection: keep-alive, X-Hop\r\nX-Hop: secret\r\n"
                            + "X-Spaces:   padded  \r\n\r\nhello world")
                default:
                    try await peer.write(
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
                            + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n")
                }
            }
        }
    }

    @Test("exact bytes both ways: reason phrase, field case, repeats, spacing, chunk extensions and trailers")
    func exactBytes() async throws {
        try await withHTTPTestNetwork { network in
            let (requests, continuation) = AsyncStream<[UInt8]>.makeStream()
            var received = requests.makeAsyncIterator()
            let upstream = try await Self.rawUpstream(network, requests: continuation)
            let (_, proxyPort) = try await network.proxy(upstreamPort: upstream.port)
            for target in ["/fixed", "/chunked-ext"] {
                let sent = request("GET", target, headers: [
                    ("X-Custom", "One"), ("x-custom", "two"), ("Connection", "keep-alive, X-Drop"), ("X-Drop", "1"),
                    ("TE", "trailers"), ("Proxy-Connection", "keep-alive"), ("Upgrade", "websocket"),
                    ("Keep-Alive", "300"), ("User-Agent", "test/1.0"),
                ])
                let direct = try await network.withClient(port: upstream.port) { peer in
                    try await peer.write(sent)
                    return try await peer.readMessage(isResponse: true).raw
                }
                let directRequest = await received.next()!
                #expect(directRequest == Array(sent.utf8))
                let proxied = try await network.withClient(port: proxyPort) { peer in
                    try await peer.write(sent)
                    return try await peer.readMessage(isResponse: true).raw
                }
                let proxiedRequest = await received.next()!
                #expect(String(decoding: proxiedRequest, as: UTF8.self)
                    == "GET \(target) HTTP/1.1\r\nHost: upstream.test\r\nX-Custom: One\r\nx-custom: two\r\nUser-Agent: test/1.0\r\n\r\n")
                #expect(String(decoding: proxied, as: UTF8.self)
                    == String(decoding: removingHeaderLines(direct, Self.hopByHop), as: UTF8.self))
                #expect(proxied.count < direct.count, "the upstream's hop-by-hop fields are gone")
            }
        }
    }

    @Test("NIOHTTP1 upstream: Content-Length, chunked and HEAD responses identical to direct ones")
    func identicalToDirect() async throws {
        try await withHTTPTestNetwork { network in
            let upstream = try await network.httpServer()
            let (_, proxyPort) = try await network.proxy(upstreamPort: upstream.port)
            for (method, target) in [("GET", "/plain"), ("GET", "/chunked"), ("HEAD", "/plain"), ("DELETE", "/mcp")] {
                let sent = request(method, target, headers: [("Accept", "*/*")])
                let direct = try await network.withClient(port: upstream.port) { peer in
                    try await peer.write(sent)
                    return try await peer.readMessage(isResponse: true, bodyless: method == "HEAD")
                }
                let proxied = try await network.withClient(port: proxyPort) { peer in
                    try await peer.write(sent)
                    return try await peer.readMessage(isResponse: true, bodyless: method == "HEAD")
                }
                #expect(proxied.raw == direct.raw, "\(method) \(target)")
                #expect(!proxied.raw.isEmpty)
            }
        }
    }

    @Test("20 MB bodies both ways, Content-Length and chunked", arguments: [false, true])
    func largeBodies(chunkedRequest: Bool) async throws {
        try await withHTTPTestNetwork { network in
            let upstream = try await network.httpServer()
            let (_, proxyPort) = try await network.proxy(upstreamPort: upstream.port)
            // 20 distinct 1 MB blocks: a lost, repeated or reordered block changes the bytes.
            var built = ByteBuffer()
            let block = testBytes(1024 * 1024)
            for index in 0..<20 {
                built.writeInteger(UInt32(index))
                built.writeBytes(block.dropFirst(4))
            }
            let payload = built
            let echoed = try await network.withClient(port: proxyPort) { peer in
                let head = chunkedRequest
                    ? "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    : "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \(payload.readableBytes)\r\n\r\n"
                try await peer.write(head)
                // Upload and download at once: the echo streams back while the upload goes on.
                let writer = peer.writer
                async let upload: Void = Self.upload(payload, chunked: chunkedRequest, to: writer)
                let response = try await peer.readMessage(isResponse: true)
                try await upload
                return response
            }
            #expect(echoed.bodyBuffer.readableBytes == payload.readableBytes)
            #expect(echoed.bodyBuffer == payload)
            #expect((echoed.header("Transfer-Encoding") == "chunked") == chunkedRequest)
        }
    }

    static func upload(_ payload: ByteBuffer, chunked: Bool, to writer: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        var rest = payload
        while let piece = rest.readSlice(length: min(256 * 1024, rest.readableBytes)), piece.readableBytes > 0 {
            if chunked {
                var buffer = ByteBuffer(string: String(piece.readableBytes, radix: 16) + "\r\n")
                buffer.writeImmutableBuffer(piece)
                buffer.writeString("\r\n")
                try await writer.write(buffer)
            } else {
                try await writer.write(piece)
            }
        }
        if chunked { try await writer.write(ByteBuffer(string: "0\r\n\r\n")) }
    }
}
