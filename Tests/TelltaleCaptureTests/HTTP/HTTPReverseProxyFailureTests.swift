#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import Testing
@testable import TelltaleCapture
import TelltaleCore

/// Upstream failures reach the client as a direct connection would show them; bind errors are clear.
@Suite(.timeLimit(.minutes(1)))
struct HTTPReverseProxyFailureTests {
    /// Reads until EOF or an error; returns the bytes and whether the connection was reset.
    static func drain(_ peer: HTTPTestPeer) async -> (bytes: [UInt8], reset: Bool) {
        do {
            while try await peer.fill() {}
            return (peer.received, false)
        } catch let error as IOError where error.errnoCode == ECONNRESET {
            return (peer.received, true)
        } catch {
            return (peer.received, false)
        }
    }

    @Test("upstream refusing: the client's connection is reset without a response byte")
    func upstreamRefused() async throws {
        try await withHTTPTestNetwork { network in
            let refusing = try HTTPRefusingPort()
            let observer = HTTPRecordingObserver()
            let (proxy, proxyPort) = try await network.proxy(upstreamPort: refusing.port, observer: observer)
            let (bytes, reset) = try await network.withClient(port: proxyPort) { peer in
                try await peer.write(request("POST", "/mcp", body: "{\"jsonrpc\":\"2.0\"}"))
                return await Self.drain(peer)
            }
            #expect(bytes.isEmpty)
            #expect(reset)
            await observer.wait { $0.contains { if case .connectionClosed = $0 { true } else { false } } }
            let events = observer.events
            // The request the server never got is still reported in full (capture records it as an error).
            #expect(events.count == 5, "\(events)")
            #expect(Array(events.dropFirst().prefix(3)) == [
                .requestBody("{\"jsonrpc\":\"2.0\"}"), .requestEnded,
                .failed(.upstreamUnreachable("connection refused")),
            ])
            #expect(proxy.stats.upstreamErrors == 1)
            #expect(await proxy.upstreamReachable(timeout: .seconds(2)) == false)
            withExtendedLifetime(refusing) {}
        }
    }

    @Test("upstream reset (Content-Length) or closed (chunked) mid-body: the client never sees the end", arguments: [false, true])
    func upstreamDiesMidResponse(chunked: Bool) async throws {
        try await withHTTPTestNetwork { network in
            let (kills, kill) = AsyncStream<Void>.makeStream()
            let upstream = try await network.rawServer { peer in
                _ = try await peer.readMessage(isResponse: false)
                if chunked {
                    try await peer.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
                } else {
                    try await peer.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + String(repeating: "x", count: 1000))
                }
                // Once the client has the partial body, the server dies.
                for await _ in kills { break }
                if chunked { await peer.close() } else { await peer.reset() }
            }
            let observer = HTTPRecordingObserver()
            let (proxy, proxyPort) = try await network.proxy(upstreamPort: upstream.port, observer: observer)
            let (bytes, _) = try await network.withClient(port: proxyPort) { peer in
                try await peer.write(request("GET", "/mcp/stream"))
                _ = try await peer.read(until: "\r\n\r\n")
                _ = try await peer.read(count: chunked ? 10 : 1000)
                kill.yield()
                return await Self.drain(peer)
            }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(!text.hasSuffix("0\r\n\r\n"))
            #expect(bytes.count < 100_000)
            await observer.wait { $0.contains { if case .connectionClosed = $0 { true } else { false } } }
            let failures = observer.events.compactMap { event -> HTTPExchangeFailure? in
                if case .failed(let failure) = event { return failure }
                return nil
            }
            #expect(failures.count == 1)
            if case .upstreamFailed = failures.first {} else { Issue.record("expected upstreamFailed, got \(failures)") }
            #expect(!observer.events.contains(.responseEnded))
            #expect(proxy.stats.upstreamErrors == 1)
        }
    }

    @Test("a malformed body mid-exchange resets the client connection; nothing is spliced into the stream")
    func malformedBody() async throws {
        try await withHTTPTestNetwork { network in
            let (heads, received) = AsyncStream<String>.makeStream()
            let upstream = try await network.rawServer { peer in
                received.yield(String(decoding: try await peer.read(until: "\r\n\r\n"), as: UTF8.self))
                _ = try? await peer.readToEnd()
            }
            let observer = HTTPRecordingObserver()
            let (_, proxyPort) = try await network.proxy(upstreamPort: upstream.port, observer: observer)
            let (bytes, reset) = try await network.withClient(port: proxyPort) { peer in
                try await peer.write("POST /mcp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                #expect(await heads.first { _ in true }?.hasPrefix("POST /mcp HTTP/1.1\r\n") == true)
                try await peer.write("zz\r\n")
                return await Self.drain(peer)
            }
            #expect(bytes.isEmpty)
            #expect(reset)
            await observer.wait { $0.contains { if case .connectionClosed = $0 { true } else { false } } }
            #expect(observer.events.contains(.failed(.clientGone)))
        }
    }

    @Test("a bind failure is a clear error")
    func bindError() async throws {
        try await withHTTPTestNetwork { network in
            let upstream = try await network.httpServer()
            let (_, port) = try await network.proxy(upstreamPort: upstream.port)
            let second = HTTPReverseProxy(
                configuration: HTTPProxyConfiguration(bindPort: port, upstreamHost: "127.0.0.1", upstreamPort: upstream.port),
                observer: nil, threads: 1)
            await #expect(throws: HTTPProxyError("cannot listen on 127.0.0.1:\(port): address already in use")) {
                try await second.start()
            }
            await second.shutdown()
        }
    }

    @Test("upstreamReachable is true when a TCP connection succeeds")
    func reachable() async throws {
        try await withHTTPTestNetwork { network in
            let upstream = try await network.httpServer()
            let (proxy, _) = try await network.proxy(upstreamPort: upstream.port)
            #expect(await proxy.upstreamReachable(timeout: .seconds(2)))
        }
    }
}
