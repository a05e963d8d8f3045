import Foundation
import Testing
import TelltaleCore

/// Outcomes that come from HTTP rather than JSON-RPC: failures, error statuses, DELETE, timeouts, eviction.
@Suite struct HTTPCaptureOutcomeTests {
    private typealias F = HTTPFixtures

    @Test func anUnreachableUpstreamMakesTheRequestsErrors() {
        var harness = HTTPCaptureHarness()
        var exchange = harness.begin("POST", "/mcp", headers: F.postHeaders(session: F.sessionID))
        let sent = harness.send(&exchange, "[\(F.slowCall),\(F.initialized)]")
        #expect(sent.map(\.method) == ["notifications/initialized"])
        let calls = harness.fail(&exchange, .upstreamUnreachable("connection refused"))
        #expect(calls.map(\.method) == ["tools/call"])
        #expect(calls.last?.outcome == .error)
        #expect(calls.last?.errorMessage == "upstream unreachable: connection refused")
        #expect(calls.last?.durationNs == 1_000_000)
        #expect(harness.state.openRequests == 0)
    }

    @Test func anUnreachableUpstreamBeforeTheSessionIsKnownStillRecordsTheRequest() {
        var harness = HTTPCaptureHarness()
        var exchange = harness.begin("POST", "/mcp", connection: 4)
        harness.send(&exchange, F.initialize)
        let calls = harness.fail(&exchange, .upstreamUnreachable("connect timeout"))
        #expect(calls.map(\.method) == ["initialize"])
        #expect(calls.first?.outcome == .error)
        #expect(calls.first?.client == PeerInfo(name: "mcp", version: "0.1.0"))
        #expect(harness.state.sessions[.connection(4)] != nil)
    }

    @Test func anUnreachableSessionlessRequestIsGroupedByItsMetaTrace() {
        var harness = HTTPCaptureHarness()
        var exchange = harness.begin("POST", "/mcp", headers: HTTPFields([("Content-Type", "application/json")]))
        harness.send(&exchange, F.modernCall(id: 1, traceparent: F.traceparent))
        let calls = harness.fail(&exchange, .upstreamUnreachable("connection refused"))
        #expect(calls.map(\.session) == [F.traceID])
        // A body that holds no message creates no session.
        var garbage = harness.begin("POST", "/mcp", headers: HTTPFields([("Content-Type", "text/plain")]), connection: 3)
        harness.send(&garbage, "hello")
        harness.fail(&garbage, .upstreamUnreachable("connection refused"))
        #expect(Set(harness.state.sessions.keys) == [.trace(F.traceID)])
    }

    @Test func anUpstreamFailureMidStreamLeavesOpenRequestsWithoutResponse() {
        var harness = HTTPCaptureHarness()
        var exchange = harness.begin("POST", "/mcp", headers: F.postHeaders(session: F.sessionID))
        harness.send(&exchange, F.slowCall)
        harness.head(&exchange, headers: F.replyHeaders(sse: true))
        harness.body(&exchange, F.sseEvent(F.progress1) + "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":2,")
        let calls = harness.fail(&exchange, .upstreamFailed("connection reset by peer"))
        #expect(harness.calls.map(\.method) == ["notifications/progress", "tools/call"])
        #expect(calls.map(\.outcome) == [.noResponse])
        #expect(calls.first?.errorMessage == "upstream connection failed: connection reset by peer")
    }

    @Test func aClientGoneMidStreamEndsOnlyThatExchangesRequests() {
        var harness = HTTPCaptureHarness()
        var first = harness.begin("POST", "/mcp", headers: F.postHeaders(session: F.sessionID))
        harness.send(&first, F.slowCall)
        harness.head(&first, headers: F.replyHeaders(sse: true))
        var second = harness.begin("POST", "/mcp", headers: F.postHeaders(session: F.sessionID), connection: 2)
        harness.send(&second, F.failCall)
        harness.head(&second, headers: F.replyHeaders(sse: true))
        let gone = harness.fail(&first, .clientGone)
        #expect(gone.map(\.target) == ["slow"])
        #expect(gone.first?.outcome == .noResponse)
        #expect(gone.first?.errorMessage == "client disconnected")
        #expect(harness.state.openRequests == 1)
        harness.body(&second, F.sseEvent(F.failResult))
        harness.end(&second)
        #expect(harness.calls.map(\.outcome) == [.noResponse, .toolError])
    }

    @Test func anErrorStatusThatAnswersNothingIsAnErrorWithTheStatusAndBody() {
        var harness = HTTPCaptureHarness()
        var exchange = harness.begin("POST", "/mcp", headers: F.postHeaders(session: F.sessionID))
        harness.send(&exchange, F.slowCall)
        harness.head(&exchange, 503, reason: "", headers: HTTPFields([("content-type", "text/plain; charset=utf-8")]))
        harness.body(&exchange, "  upstream overloaded, retry later\n")
        let calls = harness.end(&exchange)
        #expect(calls.map(\.outcome) == [.error])
        #expect(calls.first?.errorMessage == "HTTP 503 Service Unavailable: upstream overloaded, retry later")
        #expect(calls.first?.errorCode == nil)
    }

    @Test func anExpiredSessionsNotFoundReplyIsAnError() {
        var harness = HTTPCaptureHarness()
        var exchange = harness.begin("POST", "/mcp", headers: F.postHeaders(session: "gone"))
        harness.send(&exchange, F.toolsList)
        harness.head(&exchange, 404, reason: "Not Found", headers: HTTPFields([("content-length", "81"), ("content-type", "application/json")]))
        harness.body(&exchange, F.sessionNotFound)
        let calls = harness.end(&exchange)
        #expect(calls.map(\.method) == ["tools/list"])
        #expect(calls.first?.errorMessage == "HTTP 404 Not Found: \(F.sessionNotFound)")
    }

    @Test func theErrorBodyIsCutAt200BytesAndBinaryBodiesAreLeftOut() {
        var harness = HTTPCaptureHarness()
        var long = harness.begin("POST", "/mcp", headers: F.postHeaders(session: F.sessionID))
        harness.send(&long, F.slowCall)
        harness.head(&long, 502, reason: "Bad Gateway", headers: HTTPFields([("Content-Type", "text/html")]))
        harness.body(&long, String(repeating: "é", count: 150))
        let message = harness.end(&long).first?.errorMessage ?? ""
        #expect(message == "HTTP 502 Bad Gateway: " + String(repeating: "é", count: 100))
        var binary = harness.begin("POST", "/mcp", headers: F.postHeaders(session: F.sessionID))
        harness.send(&binary, F.failCall)
        harness.head(&binary, 500, reason: "Internal Server Error", headers: HTTPFields([("Content-Type", "application/octet-stream")]))
        harness.body(&binary, "\u{1}\u{2}binary")
        #expect(harness.end(&binary).first?.errorMessage == "HTTP 500 Internal Server Error")
    }

    @Test func anErrorStatusWhoseBodyAnswersTheRequestKeepsTheJSONRPCError() {
        var harness = HTTPCaptureHarness()
        var exchange = harness.begin("POST", "/mcp", headers: F.postHeaders(session: F.sessionID))
        harness.send(&exchange, F.slowCall)
        harness.head(&exchange, 400, reason: "Bad Request", headers: HTTPFields([("content-type", "application/json")]))
        harness.body(&exchange, #"{"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"Invalid params"}}"#)
        let calls = harness.end(&exchange)
        #expect(calls.map(\.errorCode) == [-32602])
        #expect(calls.first?.errorMessage == "Invalid params")
    }

    @Test func deleteClosesTheSessionAndItsOpenRequests() {
        var harness = HTTPCaptureHarness()
        var stream = harness.begin("POST", "/mcp", headers: F.postHeaders(session: F.sessionID))
        harness.send(&stream, F.slowCall)
        harness.head(&stream, headers: F.replyHeaders(sse: true))
        var delete = harness.begin("DELETE", "/mcp", headers: HTTPFields([("mcp-session-id", F.sessionID)]), connection: 2)
        harness.send(&delete)
        let closed = harness.head(&delete, headers: HTTPFields([("content-type", "application/json"), ("content-length", "0")]))
        harness.end(&delete)
        #expect(closed.map(\.outcome) == [.noResponse])
        #expect(closed.first?.errorMessage == "session deleted")
        #expect(harness.state.sessions.isEmpty)
        // A late reply on the old stream is unmatched, not a second record.
        harness.body(&stream, F.sseEvent(F.slowResult))
        harness.end(&stream)
        #expect(harness.calls.count == 1)
    }

    @Test func aRefusedDeleteKeepsTheSession() {
        var harness = HTTPCaptureHarness()
        var stream = harness.begin("POST", "/mcp", headers: F.postHeaders(session: F.sessionID))
        harness.send(&stream, F.slowCall)
        var delete = harness.begin("DELETE", "/mcp", headers: HTTPFields([("mcp-session-id", F.sessionID)]), connection: 2)
        harness.send(&delete)
        harness.head(&delete, 405, reason: "Method Not Allowed", headers: HTTPFields([("content-length", "0")]))
        #expect(harness.end(&delete).isEmpty)
        #expect(harness.state.openRequests == 1)
    }

    @Test func timeoutsComeFromTick() {
        var harness = HTTPCaptureHarness()
        var exchange = harness.begin("POST", "/mcp", headers: F.postHeaders(session: F.sessionID))
        harness.send(&exchange, F.slowCall)
        harness.head(&exchange, headers: F.replyHeaders(sse: true))
        #expect(harness.tick(afterSeconds: 299).isEmpty)
        let expired = harness.tick(afterSeconds: 1)
        #expect(expired.map(\.outcome) == [.noResponse])
        #expect(expired.first?.errorMessage == "no response within 300 s")
        // A reply after the timeout is not recorded twice.
        harness.body(&exchange, F.sseEvent(F.slowResult))
        harness.end(&exchange)
        #expect(harness.calls.count == 1)
    }

    @Test func idleSessionsAreEvictedOnlyWhenNothingIsOpen() {
        var harness = HTTPCaptureHarness()
        harness.post(F.initialize, reply: F.initializeResult, replySession: "idle")
        var stream = harness.begin("GET", "/mcp", headers: HTTPFields([("Mcp-Session-Id", "busy")]))
        harness.send(&stream)
        harness.head(&stream, headers: F.replyHeaders(sse: true, session: "busy"))
        #expect(Set(harness.state.sessions.keys) == [.mcp("idle"), .mcp("busy")])
        _ = harness.tick(afterSeconds: 899)
        #expect(harness.state.sessions.count == 2)
        _ = harness.tick(afterSeconds: 1)
        // "idle" is gone; "busy" has a live GET stream.
        #expect(Set(harness.state.sessions.keys) == [.mcp("busy")])
        harness.end(&stream)
        _ = harness.tick(afterSeconds: 900)
        #expect(harness.state.sessions.isEmpty)
        // Identity is not carried over once evicted: a new tracker starts.
        harness.post(F.toolsList, session: "idle", reply: #"{"jsonrpc":"2.0","id":4,"result":{"tools":[]}}"#)
        #expect(harness.calls.last?.server == nil)
    }

    @Test func finishEndsEverythingOpen() {
        var harness = HTTPCaptureHarness()
        var exchange = harness.begin("POST", "/mcp", headers: F.postHeaders(session: F.sessionID))
        harness.send(&exchange, F.slowCall)
        let calls = harness.record(harness.state.finish(at: harness.now()))
        #expect(calls.map(\.outcome) == [.noResponse])
        #expect(calls.first?.errorMessage == "capture stopped")
        #expect(harness.state.sessions.isEmpty)
    }
}

@Suite struct HTTPCaptureSessionCapTests {
    @Test func beyondTheCapTheLeastRecentlyActiveIdleSessionsGo() throws {
        var options = try HTTPCaptureOptions()
        options.maxSessions = 3
        var harness = HTTPCaptureHarness(options: options)
        for trace in 1...5 {
            let traceparent = "00-\(String(repeating: "0", count: 31))\(trace)-00f067aa0ba902b7-01"
            harness.post(HTTPFixtures.modernCall(id: trace, traceparent: traceparent),
                         reply: HTTPFixtures.modernResult(id: trace), replySession: nil)
        }
        // One session still has a request open: it is never evicted for the cap.
        var open = harness.begin("POST", "/mcp", headers: HTTPFixtures.postHeaders(session: "open"))
        harness.send(&open, HTTPFixtures.slowCall)
        #expect(harness.state.sessions.count == 6)
        _ = harness.tick(afterSeconds: 1)
        let kept = Set(harness.state.sessions.keys)
        #expect(kept == [.mcp("open"), .trace(String(repeating: "0", count: 31) + "4"),
                         .trace(String(repeating: "0", count: 31) + "5")])
    }
}
