import Foundation
import Testing
import TelltaleCore

/// Legacy HTTP+SSE (2024-11-05): GET /sse announces the endpoint; POSTs are answered on the stream.
@Suite struct HTTPCaptureLegacyTests {
    private typealias F = HTTPFixtures

    private static let streamHeaders = HTTPFields([
        ("date", "Wed, 25 Nov 2026 14:59:28 GMT"), ("server", "uvicorn"), ("cache-control", "no-store"),
        ("connection", "keep-alive"), ("x-accel-buffering", "no"),
        ("content-type", "text/event-stream; charset=utf-8"), ("Transfer-Encoding", "chunked"),
    ])
    private static let getHeaders = HTTPFields([("Host", "127.0.0.1:18703"), ("Accept", "text/event-stream"),
                                                ("User-Agent", "python-httpx/0.28.1")])

    /// Opens the GET stream and receives the endpoint event.
    private func openStream(_ harness: inout HTTPCaptureHarness, endpoint: String) -> HTTPExchange {
        var stream = harness.begin("GET", "/sse", headers: Self.getHeaders, connection: 1)
        harness.send(&stream)
        harness.head(&stream, headers: Self.streamHeaders)
        harness.body(&stream, "event: endpoint\r\ndata: \(endpoint)\r\n\r\n", chunk: 9)
        return stream
    }

    /// A POST to the message endpoint, answered `202 Accepted`.
    private func post(_ harness: inout HTTPCaptureHarness, _ target: String, _ body: String, connection: UInt64 = 2) {
        var exchange = harness.begin("POST", target, headers: HTTPFields([
            ("Host", "127.0.0.1:18703"), ("Content-Type", "application/json"), ("User-Agent", "python-httpx/0.28.1"),
        ]), connection: connection)
        harness.send(&exchange, body)
        harness.head(&exchange, 202, reason: "Accepted", headers: HTTPFields([("content-length", "8")]))
        harness.body(&exchange, "Accepted")
        harness.end(&exchange)
    }

    @Test func postsArePairedWithRepliesOnTheStream() {
        var harness = HTTPCaptureHarness()
        let endpoint = "/messages/?session_id=\(F.legacySessionID)"
        var stream = openStream(&harness, endpoint: endpoint)
        #expect(harness.state.endpoints[endpoint] != nil)
        post(&harness, endpoint, F.legacyInitialize)
        harness.body(&stream, F.sseEvent(F.legacyInitializeResult), chunk: 17)
        post(&harness, endpoint, F.initialized, connection: 3)
        post(&harness, endpoint, F.legacySlowCall)
        #expect(harness.state.openRequests == 1)
        harness.body(&stream, F.sseEvent(F.legacyProgress) + F.sseEvent(F.legacySlowResult), chunk: 64)
        let calls = harness.calls
        #expect(calls.map(\.method) == ["initialize", "notifications/initialized", "notifications/progress", "tools/call"])
        #expect(calls.map(\.outcome) == [.ok, .ok, .ok, .ok])
        for call in calls {
            #expect(call.session == F.legacySessionID)
            #expect(call.transport == .sse)
            #expect(call.client == PeerInfo(name: "mcp", version: "0.1.0"))
            #expect(call.server == PeerInfo(name: "fixture-server", version: ""))
            #expect(call.protocolVersion == "2024-11-05")
        }
        #expect(calls[3].responseBytes == F.legacySlowResult.utf8.count)
        #expect(harness.state.openRequests == 0)
    }

    @Test func theEndOfTheStreamClosesTheSession() {
        var harness = HTTPCaptureHarness()
        let endpoint = "/messages/?session_id=\(F.legacySessionID)"
        var stream = openStream(&harness, endpoint: endpoint)
        post(&harness, endpoint, F.legacySlowCall)
        let closed = harness.end(&stream)
        #expect(closed.map(\.outcome) == [.noResponse])
        #expect(closed.first?.errorMessage == "SSE stream closed")
        #expect(harness.state.sessions.isEmpty)
        #expect(harness.state.endpoints.isEmpty)
    }

    @Test func aFailedStreamClosesTheSessionWithTheFailure() {
        var harness = HTTPCaptureHarness()
        let endpoint = "/messages?sessionId=ts-1"
        var stream = openStream(&harness, endpoint: endpoint)
        post(&harness, endpoint, F.legacySlowCall)
        let closed = harness.fail(&stream, .upstreamFailed("connection reset by peer"))
        #expect(closed.map(\.errorMessage) == ["upstream connection failed: connection reset by peer"])
        #expect(closed.first?.session == "ts-1")
        #expect(harness.state.sessions.isEmpty)
    }

    @Test func anEndpointWithoutSessionParameterGetsAGeneratedSession() {
        var harness = HTTPCaptureHarness()
        var stream = openStream(&harness, endpoint: "http://127.0.0.1:18703/messages/abc")
        #expect(harness.state.endpoints.keys.sorted() == ["/messages/abc"])
        post(&harness, "/messages/abc", F.legacySlowCall)
        harness.body(&stream, F.sseEvent(F.legacySlowResult))
        #expect(harness.calls.count == 1)
        #expect(harness.calls.first?.outcome == .ok)
        #expect(harness.calls.first?.transport == .sse)
        #expect(harness.calls.first?.session.count == 36)
    }

    @Test func aPostWithASessionIdParameterIsLegacyEvenWithoutAnAnnouncement() {
        var harness = HTTPCaptureHarness()
        post(&harness, "/messages?sessionId=unseen", F.initialized)
        #expect(harness.calls.first?.session == "unseen")
        #expect(harness.calls.first?.transport == .sse)
    }

    @Test func relativeEndpointsResolveAgainstTheStreamPath() {
        var harness = HTTPCaptureHarness()
        var stream = harness.begin("GET", "/mcp/sse", headers: Self.getHeaders)
        harness.send(&stream)
        harness.head(&stream, headers: Self.streamHeaders)
        harness.body(&stream, "event: endpoint\ndata: messages?x=1\n\n")
        #expect(harness.state.endpoints.keys.sorted() == ["/mcp/messages?x=1"])
    }
}

/// A reply on the legacy stream can be observed before the end of the POST that carried its request.
@Suite struct HTTPCaptureEarlyReplyTests {
    private typealias F = HTTPFixtures

    private func stream(_ harness: inout HTTPCaptureHarness) -> HTTPExchange {
        var stream = harness.begin("GET", "/sse", headers: HTTPFields([("Accept", "text/event-stream")]))
        harness.send(&stream)
        harness.head(&stream, headers: HTTPFields([("content-type", "text/event-stream; charset=utf-8")]))
        harness.body(&stream, "event: endpoint\r\ndata: /messages/?session_id=early\r\n\r\n")
        return stream
    }

    @Test func aReplyThatOvertakesItsPostIsPairedWhenThePostEnds() {
        var harness = HTTPCaptureHarness()
        var sse = stream(&harness)
        var post = harness.begin("POST", "/messages/?session_id=early", connection: 2)
        for byte in Array(F.legacySlowCall.utf8) { [byte].withUnsafeBytes { post.appendRequestBody($0) } }
        // The server answered before the proxy reported the end of the POST.
        #expect(harness.body(&sse, F.sseEvent(F.legacySlowResult)).isEmpty)
        let paired = harness.send(&post)
        #expect(paired.map(\.method) == ["tools/call"])
        #expect(paired.first?.outcome == .ok)
        #expect(paired.first?.durationNs == 0)
        #expect(paired.first?.responseBytes == F.legacySlowResult.utf8.count)
        #expect(harness.state.openRequests == 0)
    }

    @Test func anUnclaimedEarlyReplyIsForgottenAfterTheWindow() {
        var harness = HTTPCaptureHarness()
        var sse = stream(&harness)
        harness.body(&sse, F.sseEvent(F.legacySlowResult))
        #expect(harness.state.sessions[.legacy("early")]?.earlyResponses.count == 1)
        _ = harness.tick(afterSeconds: 5)
        #expect(harness.state.sessions[.legacy("early")]?.earlyResponses.isEmpty == true)
        var post = harness.begin("POST", "/messages/?session_id=early", connection: 2)
        harness.send(&post, F.legacySlowCall)
        #expect(harness.calls.isEmpty)
        #expect(harness.state.openRequests == 1)
    }

    @Test func earlyRepliesAreBounded() {
        var harness = HTTPCaptureHarness()
        var sse = stream(&harness)
        for id in 0..<20 { harness.body(&sse, F.sseEvent(#"{"jsonrpc":"2.0","id":\#(id),"result":{}}"#)) }
        #expect(harness.state.sessions[.legacy("early")]?.earlyResponses.map(\.id) == (12..<20).map(String.init))
    }
}
