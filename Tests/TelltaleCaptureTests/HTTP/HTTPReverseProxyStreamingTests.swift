import NIOCore
import Synchronization
import Testing
@testable import TelltaleCapture
import TelltaleCore

/// SSE frames travel one by one; a client leaving mid-stream is seen by the server; many clients.
@Suite(.timeLimit(.minutes(1)))
struct HTTPReverseProxyStreamingTests {
    static func frame(_ index: Int) -> String { "event: message\ndata: {\"n\":\(index)}\n\n" }

    @Test("each SSE frame reaches the client before the server sends the next one")
    func sseFrameByFrame() async throws {
        try await withHTTPTestNetwork { network in
            let (acks, ack) = AsyncStream<Int>.makeStream()
            let upstream = try await network.rawServer { peer in
                var acks = acks.makeAsyncIterator()
                _ = try await peer.readMessage(isResponse: false)
                try await peer.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
                for index in 1...5 {
                    let frame = Self.frame(index)
                    try await peer.write(String(frame.utf8.count, radix: 16) + "\r\n" + frame + "\r\n")
                    // The next frame only once the client has this one: a buffering proxy never gets here.
                    guard await acks.next() == index else { throw HTTPTestError("client did not get frame \(index)") }
                }
                try await peer.write("0\r\n\r\n")
            }
            let observer = HTTPRecordingObserver()
            let (_, proxyPort) = try await network.proxy(upstreamPort: upstream.port, observer: observer)
            let frames = try await withTimeout(20, "SSE frames one by one") {
                try await network.withClient(port: proxyPort) { peer in
                    try await peer.write(request("POST", "/mcp", headers: [("Accept", "text/event-stream")], body: "{}"))
                    let head = try await peer.read(until: "\r\n\r\n")
                    #expect(String(decoding: head, as: UTF8.self).hasPrefix("HTTP/1.1 200 OK\r\n"))
                    var frames: [String] = []
                    for index in 1...5 {
                        let sizeLine = try await peer.read(until: "\r\n")
                        let size = Int(String(decoding: sizeLine.dropLast(2), as: UTF8.self), radix: 16)!
                        let data = try await peer.read(count: size + 2)
                        frames.append(String(decoding: data.dropLast(2), as: UTF8.self))
                        ack.yield(index)
                    }
                    #expect(try await peer.read(until: "\r\n\r\n") == Array("0\r\n\r\n".utf8))
                    return frames
                }
            }
            #expect(frames == (1...5).map(Self.frame))
            await observer.wait { $0.contains(.responseEnded) }
            let bodies = observer.coalescedEvents.compactMap { event -> String? in
                if case .responseBody(let text) = event { return text }
                return nil
            }
            #expect(bodies == [(1...5).map(Self.frame).joined()])
        }
    }

    @Test("a client leaving mid-SSE closes the upstream connection; the exchange fails clientGone")
    func clientGoneMidStream() async throws {
        try await withHTTPTestNetwork { network in
            let (upstreamSaw, saw) = AsyncStream<String>.makeStream()
            let upstream = try await network.rawServer { peer in
                _ = try await peer.readMessage(isResponse: false)
                try await peer.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n")
                try await peer.write(Self.frame(1))
                do {
                    let rest = try await peer.readToEnd()
                    saw.yield("closed after \(rest.count) bytes")
                } catch {
                    saw.yield("reset")
                }
            }
            let observer = HTTPRecordingObserver()
            let (_, proxyPort) = try await network.proxy(upstreamPort: upstream.port, observer: observer)
            let connectionID = try await network.withClient(port: proxyPort) { peer in
                try await peer.write(request("GET", "/sse", headers: [("Accept", "text/event-stream")]))
                _ = try await peer.read(until: "\r\n\r\n")
                #expect(try await peer.read(until: "\n\n") == Array(Self.frame(1).utf8))
                return observer.events.compactMap { event -> UInt64? in
                    if case .begin(let request) = event { return request.connectionID }
                    return nil
                }.first
            }
            let upstreamView = try await withTimeout(10, "upstream sees the disconnect") {
                await upstreamSaw.first { _ in true }
            }
            #expect(upstreamView == "closed after 0 bytes")
            let id = try #require(connectionID)
            await observer.wait { $0.contains(.connectionClosed(id)) }
            let events = observer.coalescedEvents
            #expect(events.count == 6)
            #expect(Array(events.dropFirst()) == [
                .requestEnded,
                .responseHead(HTTPResponseSummary(status: 200, reason: "OK", headers: [
                    "Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                ])),
                .responseBody(Self.frame(1)), .failed(.clientGone), .connectionClosed(id),
            ])
        }
    }

    @Test("200 concurrent client connections, two requests each")
    func concurrentClients() async throws {
        try await withHTTPTestNetwork { network in
            let upstream = try await network.httpServer()
            let observer = HTTPRecordingObserver()
            let (proxy, proxyPort) = try await network.proxy(upstreamPort: upstream.port, observer: observer)
            let results = try await withThrowingTaskGroup(of: [String].self) { group in
                for client in 0..<200 {
                    group.addTask {
                        try await network.withClient(port: proxyPort) { peer in
                            var bodies: [String] = []
                            for index in 0..<2 {
                                try await peer.write(request("GET", "/c\(client)-\(index)"))
                                bodies.append(try await peer.readMessage(isResponse: true).bodyText)
                            }
                            return bodies
                        }
                    }
                }
                var all: [[String]] = []
                for try await bodies in group { all.append(bodies) }
                return all
            }
            #expect(results.count == 200)
            #expect(Set(results.flatMap { $0 }) == Set((0..<200).flatMap { client in (0..<2).map { "GET /c\(client)-\($0)" } }))
            #expect(upstream.acceptedCount == 200)
            await observer.wait { events in events.filter { if case .connectionClosed = $0 { true } else { false } }.count == 200 }
            #expect(proxy.stats.requestsRelayed == 400)
            #expect(proxy.stats.openConnections == 0)
        }
    }
}
