import NIOCore
import Testing
@testable import TelltaleCapture

/// Keep-alive, pipelining, re-opened upstream connections, 100-continue, close-delimited bodies.
@Suite(.timeLimit(.minutes(1)))
struct HTTPReverseProxyConnectionTests {
    @Test("several requests on one client connection use one upstream connection")
    func keepAlive() async throws {
        try await withHTTPTestNetwork { network in
            let upstream = try await network.httpServer()
            let (proxy, proxyPort) = try await network.proxy(upstreamPort: upstream.port)
            let bodies = try await network.withClient(port: proxyPort) { peer in
                var bodies: [String] = []
                for index in 1...3 {
                    try await peer.write(request("GET", "/k\(index)"))
                    bodies.append(try await peer.readMessage(isResponse: true).bodyText)
                }
                return bodies
            }
            #expect(bodies == ["GET /k1", "GET /k2", "GET /k3"])
            #expect(upstream.acceptedCount == 1)
            #expect(proxy.stats.requestsRelayed == 3)
        }
    }

    @Test("pipelined requests are answered in order, a HEAD among them")
    func pipelining() async throws {
        try await withHTTPTestNetwork { network in
            let upstream = try await network.httpServer()
            let (_, proxyPort) = try await network.proxy(upstreamPort: upstream.port)
            let responses = try await network.withClient(port: proxyPort) { peer in
                try await peer.write(request("GET", "/p1") + request("HEAD", "/p2") + request("POST", "/p3", body: "x=1")
                    + request("GET", "/p4"))
                var responses: [HTTPTestMessage] = []
                for index in 1...4 {
                    responses.append(try await peer.readMessage(isResponse: true, bodyless: index == 2))
                }
                return responses
            }
            #expect(responses.map(\.bodyText) == ["GET /p1", "", "POST /p3", "GET /p4"])
            #expect(responses[1].header("Content-Length") == "8")
            #expect(upstream.acceptedCount == 1)
        }
    }

    @Test("an upstream connection the server closed is re-opened for the next request")
    func reopensUpstream() async throws {
        try await withHTTPTestNetwork { network in
            let upstream = try await network.rawServer { peer in
                let request = try await peer.readMessage(isResponse: false)
                let body = "answer \(request.target)"
                // Write and close in one event-loop turn: the close follows the response at once, so
                // the proxy sees it before the client can send its next request.
                let channel = peer.channel
                try await channel.eventLoop.flatSubmit {
                    channel.writeAndFlush(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"))
                        .flatMap { channel.close() }
                }.get()
            }
            let (_, proxyPort) = try await network.proxy(upstreamPort: upstream.port)
            let bodies = try await network.withClient(port: proxyPort) { peer in
                var bodies: [String] = []
                for target in ["/r1", "/r2"] {
                    try await peer.write(request("GET", target))
                    bodies.append(try await peer.readMessage(isResponse: true).bodyText)
                }
                return bodies
            }
            #expect(bodies == ["answer /r1", "answer /r2"])
            #expect(upstream.acceptedCount == 2)
        }
    }

    @Test("Connection: close from the server closes the client connection after the response")
    func serverClose() async throws {
        try await withHTTPTestNetwork { network in
            let upstream = try await network.rawServer { peer in
                _ = try await peer.readMessage(isResponse: false)
                try await peer.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                await peer.close()
            }
            let (_, proxyPort) = try await network.proxy(upstreamPort: upstream.port)
            let raw = try await network.withClient(port: proxyPort) { peer in
                try await peer.write(request("GET", "/c"))
                return try await peer.readToEnd()
            }
            #expect(String(decoding: raw, as: UTF8.self) == "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        }
    }

    @Test("a body delimited by the connection close reaches the client, then the close")
    func closeDelimited() async throws {
        try await withHTTPTestNetwork { network in
            let response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the very end"
            let upstream = try await network.rawServer { peer in
                _ = try await peer.readMessage(isResponse: false)
                try await peer.write(response)
                await peer.close()
            }
            let (_, proxyPort) = try await network.proxy(upstreamPort: upstream.port)
            let raw = try await network.withClient(port: proxyPort) { peer in
                try await peer.write(request("GET", "/d"))
                return try await peer.readToEnd()
            }
            #expect(String(decoding: raw, as: UTF8.self) == response)
        }
    }

    @Test("Expect: 100-continue: the interim response passes through before the body is sent")
    func expectContinue() async throws {
        try await withHTTPTestNetwork { network in
            let upstream = try await network.rawServer { peer in
                let head = try await peer.read(until: "\r\n\r\n")
                guard String(decoding: head, as: UTF8.self).contains("Expect: 100-continue") else { return }
                try await peer.write("HTTP/1.1 100 Continue\r\n\r\n")
                let body = try await peer.read(count: 5)
                try await peer.write("HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\n" + String(decoding: body, as: UTF8.self))
            }
            let (_, proxyPort) = try await network.proxy(upstreamPort: upstream.port)
            let (interim, final) = try await network.withClient(port: proxyPort) { peer in
                try await peer.write("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                let interim = try await peer.read(until: "\r\n\r\n")
                try await peer.write("abcde")
                return (interim, try await peer.readMessage(isResponse: true))
            }
            #expect(String(decoding: interim, as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
            #expect(final.status == 201)
            #expect(final.bodyText == "abcde")
        }
    }

    @Test("a malformed request is answered 400 and the connection closed")
    func malformedRequest() async throws {
        try await withHTTPTestNetwork { network in
            let upstream = try await network.httpServer()
            let (proxy, proxyPort) = try await network.proxy(upstreamPort: upstream.port)
            let raw = try await network.withClient(port: proxyPort) { peer in
                try await peer.write("GET /x HTTP/1.1\r\nContent-Length: nope\r\n\r\n")
                return try await peer.readToEnd()
            }
            #expect(String(decoding: raw, as: UTF8.self).hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
            #expect(proxy.stats.requestsRelayed == 0)
            #expect(upstream.acceptedCount == 0)
        }
    }

    @Test("Connection: close from the client reaches the server; the client sees the response, then the close")
    func clientClose() async throws {
        try await withHTTPTestNetwork { network in
            let (requests, received) = AsyncStream<String>.makeStream()
            let upstream = try await network.rawServer { peer in
                let request = try await peer.readMessage(isResponse: false)
                received.yield(String(decoding: request.raw, as: UTF8.self))
                try await peer.write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbye")
                _ = try await peer.readToEnd()
            }
            let (_, proxyPort) = try await network.proxy(upstreamPort: upstream.port)
            let raw = try await network.withClient(port: proxyPort) { peer in
                try await peer.write(request("GET", "/bye", headers: [("Connection", "close")]))
                return try await peer.readToEnd()
            }
            #expect(String(decoding: raw, as: UTF8.self) == "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbye")
            #expect(await requests.first { _ in true } == request("GET", "/bye", headers: [("Connection", "close")]))
        }
    }

    @Test("messages trickled byte by byte both ways arrive intact (chunked, extensions, trailers)")
    func byteByByte() async throws {
        try await withHTTPTestNetwork { network in
            let sent = "POST /mcp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n"
            let answer = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "a\r\ndata: one\n\r\n4;x\r\nmore\r\n0\r\nX-Done: yes\r\n\r\n"
            let (requests, received) = AsyncStream<String>.makeStream()
            let upstream = try await network.rawServer { peer in
                let request = try await peer.readMessage(isResponse: false)
                received.yield(String(decoding: request.raw, as: UTF8.self))
                for byte in answer.utf8 { try await peer.channel.writeAndFlush(ByteBuffer(bytes: [byte])).get() }
            }
            let observer = HTTPRecordingObserver()
            let (_, proxyPort) = try await network.proxy(upstreamPort: upstream.port, observer: observer)
            let response = try await network.withClient(port: proxyPort) { peer in
                for byte in sent.utf8 { try await peer.channel.writeAndFlush(ByteBuffer(bytes: [byte])).get() }
                return try await peer.readMessage(isResponse: true)
            }
            #expect(String(decoding: response.raw, as: UTF8.self) == answer)
            #expect(await requests.first { _ in true } == sent)
            await observer.wait { $0.contains(.responseEnded) }
            let bodies = observer.coalescedEvents.filter {
                if case .requestBody = $0 { true } else if case .responseBody = $0 { true } else { false }
            }
            #expect(bodies == [.requestBody("abcde"), .responseBody("data: one\nmore")])
        }
    }
}
