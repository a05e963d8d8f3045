import Foundation
import Testing
import TelltaleCapture
import TelltaleCore

/// Drives ``HTTPTrackingObserver`` through the proxy's hook protocol, with bytes recorded from the
/// official Python `mcp` 2.3.0 server.
@Suite struct HTTPTrackingObserverTests {
    static let sessionID = "07476e7733314ae69d5fa6e70cf96575"
    static let initialize = #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mcp","version":"0.1.0"}}}"#
    static let initializeResult = #"{"jsonrpc":"2.0","id":1,"result":{"capabilities":{"tools":{"listChanged":false}},"protocolVersion":"2025-11-25","serverInfo":{"name":"fixture-server","version":""}}}"#
    static let slowCall = #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow","arguments":{"steps":2},"_meta":{"progressToken":7}}}"#
    static let progress = #"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":7,"progress":1,"total":2}}"#
    static let slowResult = #"{"jsonrpc":"2.0","id":2,"result":{"content":[{"text":"done 2","type":"text"}],"isError":false,"structuredContent":{"result":"done 2"}}}"#

    static let sseHeaders = HTTPFields([("content-type", "text/event-stream"), ("mcp-session-id", sessionID)])

    static func event(_ data: String, type: String = "message") -> String {
        "event: \(type)\r\ndata: \(data)\r\n\r\n"
    }

    static func options(timeout: Duration = .seconds(300)) -> HTTPCaptureOptions {
        try! HTTPCaptureOptions(capture: CaptureOptions(tags: ["env": "test"], requestTimeout: timeout, transport: .http),
                                contextHeaderSpecs: ["X-Tenant=tenant"])
    }

    static func request(_ method: String = "POST", _ target: String = "/mcp", session: String? = sessionID,
                        connection: UInt64 = 1) -> HTTPRequestSummary {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("User-Agent", "python-httpx/0.28.1"),
                                                        ("X-Tenant", "acme"), ("Authorization", "Bearer secret")]
        if let session { headers.append(("Mcp-Session-Id", session)) }
        return HTTPRequestSummary(method: method, target: target, headers: HTTPFields(headers),
                                  clientAddress: "10.0.0.\(connection):40000", connectionID: connection)
    }

    /// Hands `text` to `hook` in chunks of `size` bytes.
    static func chunks(_ text: String, size: Int = 11, _ hook: (UnsafeRawBufferPointer) -> Void) {
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: size) {
            bytes[start..<min(start + size, bytes.count)].withUnsafeBytes(hook)
        }
    }

    /// One whole exchange through the hooks.
    static func exchange(_ observer: HTTPTrackingObserver, _ request: HTTPRequestSummary, body: String,
                         status: Int = 200, headers: HTTPFields = sseHeaders, reply: String) {
        guard let exchange = observer.beginExchange(request) else { return }
        chunks(body) { exchange.requestBodyPart($0) }
        exchange.requestEnded()
        exchange.responseHead(HTTPResponseSummary(status: status, reason: status == 200 ? "OK" : "", headers: headers))
        chunks(reply) { exchange.responseBodyPart($0) }
        exchange.responseEnded()
    }

    @Test func streamableExchangesBecomeCalls() throws {
        let sink = CollectingSink()
        let observer = HTTPTrackingObserver(options: Self.options(), sink: sink)
        Self.exchange(observer, Self.request(session: nil), body: Self.initialize, reply: Self.event(Self.initializeResult))
        let exchange = try #require(observer.beginExchange(Self.request()))
        Self.chunks(Self.slowCall) { exchange.requestBodyPart($0) }
        exchange.requestEnded()
        exchange.responseHead(HTTPResponseSummary(status: 200, reason: "OK", headers: Self.sseHeaders))
        Self.chunks(Self.event(Self.progress), size: 3) { exchange.responseBodyPart($0) }
        #expect(sink.collected.map(\.method) == ["initialize", "notifications/progress"])
        Self.chunks(Self.event(Self.slowResult)) { exchange.responseBodyPart($0) }
        exchange.responseEnded()
        let calls = sink.collected
        #expect(calls.map(\.method) == ["initialize", "notifications/progress", "tools/call"])
        #expect(calls.allSatisfy { $0.session == Self.sessionID && $0.transport == .http })
        #expect(calls.allSatisfy { $0.clientAddress == "10.0.0.1:40000" && $0.tags == ["env": "test", "tenant": "acme"] })
        #expect(calls.last?.outcome == .ok)
        #expect(calls.last?.client == PeerInfo(name: "mcp", version: "0.1.0"))
        #expect(calls.last?.server == PeerInfo(name: "fixture-server", version: ""))
        #expect(calls.last?.requestBytes == Self.slowCall.utf8.count)
        #expect(observer.callsCaptured == 3)
        #expect(observer.sessionCount == 1)
    }

    @Test func legacyStreamRepliesPairWithPostsFromOtherConnections() throws {
        let sink = CollectingSink()
        let observer = HTTPTrackingObserver(options: Self.options(), sink: sink)
        let stream = try #require(observer.beginExchange(Self.request("GET", "/sse", session: nil, connection: 1)))
        stream.requestEnded()
        stream.responseHead(HTTPResponseSummary(status: 200, reason: "OK",
                                                headers: HTTPFields([("content-type", "text/event-stream; charset=utf-8")])))
        Self.chunks(Self.event("/messages/?session_id=legacy-1", type: "endpoint")) { stream.responseBodyPart($0) }
        let post = Self.request("POST", "/messages/?session_id=legacy-1", session: nil, connection: 2)
        Self.exchange(observer, post, body: Self.slowCall, status: 202,
                      headers: HTTPFields([("content-length", "8")]), reply: "Accepted")
        #expect(sink.collected.isEmpty)
        Self.chunks(Self.event(Self.slowResult)) { stream.responseBodyPart($0) }
        Self.exchange(observer, post, body: #"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#, status: 202,
                      headers: HTTPFields([("content-length", "8")]), reply: "Accepted")
        stream.failed(.clientGone)
        let calls = sink.collected
        #expect(calls.map(\.method) == ["tools/call", "tools/list"])
        #expect(calls.map(\.outcome) == [.ok, .noResponse])
        #expect(calls.last?.errorMessage == "client disconnected")
        #expect(calls.allSatisfy { $0.session == "legacy-1" && $0.transport == .sse })
        #expect(calls.first?.clientAddress == "10.0.0.2:40000")
        #expect(calls.first?.client == PeerInfo(name: "python-httpx", version: "0.28.1"))
        #expect(observer.sessionCount == 0)
    }

    @Test func upstreamFailuresBecomeOutcomes() throws {
        let sink = CollectingSink()
        let observer = HTTPTrackingObserver(options: Self.options(), sink: sink)
        let refused = try #require(observer.beginExchange(Self.request()))
        Self.chunks(Self.slowCall) { refused.requestBodyPart($0) }
        refused.failed(.upstreamUnreachable("connection refused"))
        let reset = try #require(observer.beginExchange(Self.request(connection: 2)))
        Self.chunks(Self.slowCall) { reset.requestBodyPart($0) }
        reset.requestEnded()
        reset.responseHead(HTTPResponseSummary(status: 200, reason: "OK", headers: Self.sseHeaders))
        reset.failed(.upstreamFailed("connection reset by peer"))
        Self.exchange(observer, Self.request(connection: 3), body: Self.slowCall, status: 503,
                      headers: HTTPFields([("content-type", "text/plain")]), reply: "try later")
        let calls = sink.collected
        #expect(calls.map(\.outcome) == [.error, .noResponse, .error])
        #expect(calls.map(\.errorMessage) == ["upstream unreachable: connection refused",
                                              "upstream connection failed: connection reset by peer",
                                              "HTTP 503 Service Unavailable: try later"])
    }

    @Test func tickTimesOutAndFinishEndsEverythingOnce() throws {
        let sink = CollectingSink()
        let observer = HTTPTrackingObserver(options: Self.options(timeout: .zero), sink: sink)
        let first = try #require(observer.beginExchange(Self.request()))
        Self.chunks(Self.slowCall) { first.requestBodyPart($0) }
        first.requestEnded()
        observer.tick()
        #expect(sink.collected.map(\.errorMessage) == ["no response within 0 s"])

        let open = HTTPTrackingObserver(options: Self.options(), sink: sink)
        let second = try #require(open.beginExchange(Self.request(connection: 5)))
        Self.chunks(Self.slowCall) { second.requestBodyPart($0) }
        second.requestEnded()
        open.finish()
        open.finish()
        #expect(sink.collected.map(\.errorMessage) == ["no response within 0 s", "capture stopped"])
        #expect(open.callsCaptured == 1)
        // After finish: no new exchanges, and old ones are ignored.
        #expect(open.beginExchange(Self.request()) == nil)
        second.responseHead(HTTPResponseSummary(status: 200, headers: Self.sseHeaders))
        Self.chunks(Self.event(Self.slowResult)) { second.responseBodyPart($0) }
        second.responseEnded()
        open.tick()
        #expect(sink.collected.count == 2)
    }

    @Test func closingAConnectionEndsItsSessionlessRequests() throws {
        let sink = CollectingSink()
        let observer = HTTPTrackingObserver(options: Self.options(), sink: sink)
        let exchange = try #require(observer.beginExchange(Self.request(session: nil, connection: 9)))
        Self.chunks(Self.slowCall) { exchange.requestBodyPart($0) }
        exchange.requestEnded()
        exchange.responseHead(HTTPResponseSummary(status: 200, headers: HTTPFields([("content-type", "text/event-stream")])))
        observer.connectionClosed(8)
        #expect(sink.collected.isEmpty)
        observer.connectionClosed(9)
        #expect(sink.collected.map(\.errorMessage) == ["connection closed"])
        #expect(sink.collected.first?.session.count == 36)
    }

    @Test func manyConcurrentExchangesAreAllCaptured() async {
        let sink = CollectingSink()
        let observer = HTTPTrackingObserver(options: Self.options(), sink: sink)
        let clients = 50
        let perClient = 40
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    let session = "session-\(client)"
                    let headers = HTTPFields([("content-type", "text/event-stream"), ("mcp-session-id", session)])
                    for call in 0..<perClient {
                        let body = #"{"jsonrpc":"2.0","id":\#(call),"method":"tools/call","params":{"name":"t\#(client)"}}"#
                        let reply = Self.event(Self.progress) + Self.event(#"{"jsonrpc":"2.0","id":\#(call),"result":{"content":[]}}"#)
                        Self.exchange(observer, Self.request(session: session, connection: UInt64(client)), body: body,
                                      headers: headers, reply: reply)
                    }
                }
            }
            group.addTask {
                for _ in 0..<100 { observer.tick() }
            }
        }
        let calls = sink.collected
        let requests = calls.filter { $0.kind == .request }
        #expect(requests.count == clients * perClient)
        #expect(calls.count == 2 * clients * perClient)
        #expect(requests.allSatisfy { $0.outcome == .ok && $0.target == "t" + $0.session.dropFirst("session-".count) })
        #expect(observer.callsCaptured == calls.count)
        #expect(observer.sessionCount == clients)
    }
}
