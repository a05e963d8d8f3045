import NIOCore
import Testing
@testable import TelltaleCapture
import TelltaleCore

/// The observer hooks: order, contents, inspected paths only, connection ids and addresses.
@Suite(.timeLimit(.minutes(1)))
struct HTTPReverseProxyObserverTests {
    @Test("hooks in order with the request, response and connection as forwarded")
    func hookOrder() async throws {
        try await withHTTPTestNetwork { network in
            let upstream = try await network.httpServer()
            let observer = HTTPRecordingObserver()
            let (proxy, proxyPort) = try await network.proxy(upstreamPort: upstream.port, observer: observer)
            let body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"
            let clientAddress = try await network.withClient(port: proxyPort) { peer in
                try await peer.write(request("POST", "/mcp?x=1", headers: [("Mcp-Session-Id", "abc"), ("Connection", "keep-alive")], body: body))
                let response = try await peer.readMessage(isResponse: true)
                #expect(response.bodyText == "POST /mcp?x=1")
                return peer.localAddress
            }
            await observer.wait { $0.contains { if case .connectionClosed = $0 { true } else { false } } }
            let events = observer.coalescedEvents
            try #require(events.count == 7, "\(events)")
            guard case .begin(let summary) = events[0] else {
                Issue.record("first event \(events[0])")
                return
            }
            #expect(summary.method == "POST")
            #expect(summary.target == "/mcp?x=1")
            #expect(summary.headers == [
                "Host": "upstream.test", "Mcp-Session-Id": "abc", "Connection": "keep-alive",
                "Content-Length": String(body.utf8.count),
            ])
            #expect(summary.clientAddress == clientAddress)
            #expect(Array(events.dropFirst()) == [
                .requestBody(body), .requestEnded,
                .responseHead(HTTPResponseSummary(status: 200, reason: "OK", headers: [
                    "Content-Type": "text/plain", "X-Repeat": "1", "x-repeat": "2", "Content-Length": "13",
                ])),
                .responseBody("POST /mcp?x=1"), .responseEnded, .connectionClosed(summary.connectionID),
            ])
            #expect(proxy.stats.inspectedRequests == 1)
        }
    }

    @Test("only paths under the inspected prefixes are observed; connection ids differ per connection")
    func prefixes() async throws {
        try await withHTTPTestNetwork { network in
            let upstream = try await network.httpServer()
            let observer = HTTPRecordingObserver()
            let (proxy, proxyPort) = try await network.proxy(upstreamPort: upstream.port, observer: observer)
            let targets = ["/other", "/mcpx", "/mcp/sub?x=1", "/messages?sessionId=s1", "/ssex", "/sse"]
            for target in targets {
                try await network.withClient(port: proxyPort) { peer in
                    try await peer.write(request("GET", target))
                    #expect(try await peer.readMessage(isResponse: true).bodyText == "GET \(target)")
                }
            }
            await observer.wait { events in events.filter { if case .connectionClosed = $0 { true } else { false } }.count == 6 }
            let begun = observer.events.compactMap { event -> HTTPRequestSummary? in
                if case .begin(let request) = event { return request }
                return nil
            }
            #expect(begun.map(\.target) == ["/mcp/sub?x=1", "/messages?sessionId=s1", "/sse"])
            #expect(Set(begun.map(\.connectionID)).count == 3)
            #expect(proxy.stats.inspectedRequests == 3)
            #expect(proxy.stats.requestsRelayed == 6)
        }
    }

    @Test("an observer declining an exchange sees nothing more of it")
    func declined() async throws {
        try await withHTTPTestNetwork { network in
            let upstream = try await network.httpServer()
            let observer = HTTPRecordingObserver(observing: false)
            let (_, proxyPort) = try await network.proxy(upstreamPort: upstream.port, observer: observer)
            try await network.withClient(port: proxyPort) { peer in
                try await peer.write(request("POST", "/mcp", body: "{}"))
                #expect(try await peer.readMessage(isResponse: true).bodyText == "POST /mcp")
            }
            await observer.wait { $0.contains { if case .connectionClosed = $0 { true } else { false } } }
            #expect(observer.events.count == 2)
        }
    }
}
