import Foundation
import Testing
import TelltaleCore

/// Streamable HTTP (2025-03-26 … 2025-11-25): JSON and SSE replies, sessions from the initialize reply.
@Suite struct HTTPCaptureStreamableTests {
    private typealias F = HTTPFixtures

    @Test func jsonRepliesArePairedIntoTheSessionOfTheInitializeReply() {
        var harness = HTTPCaptureHarness()
        let initialize = harness.post(F.initialize, reply: F.initializeResult, replySession: F.sessionID)
        #expect(initialize.map(\.method) == ["initialize"])
        harness.post(F.initialized, session: F.sessionID, status: 202)
        harness.post(F.slowCall, session: F.sessionID, reply: F.slowResult)
        harness.post(F.failCall, session: F.sessionID, reply: F.failResult)
        let calls = harness.calls
        #expect(calls.map(\.method) == ["initialize", "notifications/initialized", "tools/call", "tools/call"])
        #expect(calls.map(\.outcome) == [.ok, .ok, .ok, .toolError])
        #expect(calls.map(\.target) == [nil, nil, "slow", "fail"])
        for call in calls {
            #expect(call.session == F.sessionID)
            #expect(call.transport == .http)
            #expect(call.client == PeerInfo(name: "mcp", version: "0.1.0"))
            #expect(call.server == PeerInfo(name: "fixture-server", version: ""))
            #expect(call.protocolVersion == "2025-11-25")
            #expect(call.clientAddress == "127.0.0.1:50001")
            #expect(call.tags == ["env": "test"])
        }
        #expect(calls[0].requestBytes == F.initialize.utf8.count)
        #expect(calls[0].responseBytes == F.initializeResult.utf8.count)
        #expect(calls[2].requestBytes == F.slowCall.utf8.count)
        #expect(calls[2].responseBytes == F.slowResult.utf8.count)
        // Request ended at t, head at t+1, body parts, end: the reply is fed at the end of the body.
        #expect(calls[2].durationNs > 0)
        #expect(calls[3].errorMessage == "Error executing tool fail")
        #expect(harness.state.openRequests == 0)
        #expect(harness.state.sessions.count == 1)
    }

    @Test func sseRepliesCarryProgressNotificationsBeforeTheFinalResponse() {
        var harness = HTTPCaptureHarness()
        harness.post(F.initialize, reply: F.sseEvent(F.initializeResult), sse: true, replySession: F.sessionID)
        var exchange = harness.begin("POST", "/mcp", headers: F.postHeaders(session: F.sessionID))
        harness.send(&exchange, F.slowCall)
        harness.head(&exchange, headers: F.replyHeaders(sse: true))
        let first = harness.body(&exchange, F.sseEvent(F.progress1), chunk: 5)
        #expect(first.map(\.method) == ["notifications/progress"])
        #expect(first.first?.direction == .toClient)
        #expect(first.first?.kind == .notification)
        #expect(harness.state.openRequests == 1)
        harness.body(&exchange, F.sseEvent(F.progress2) + F.sseEvent(F.slowResult), chunk: 1)
        harness.end(&exchange)
        let calls = harness.calls
        #expect(calls.map(\.method) == ["initialize", "notifications/progress", "notifications/progress", "tools/call"])
        #expect(calls.allSatisfy { $0.session == F.sessionID && $0.transport == .http })
        #expect(calls[3].outcome == .ok)
        #expect(calls[3].responseBytes == F.slowResult.utf8.count)
        #expect(calls[3].server == PeerInfo(name: "fixture-server", version: ""))
        #expect(harness.state.openRequests == 0)
    }

    @Test func theInitializeRequestWaitsForTheResponseHeadToKnowItsSession() {
        var harness = HTTPCaptureHarness()
        var exchange = harness.begin("POST", "/mcp")
        #expect(harness.send(&exchange, F.initialize).isEmpty)
        // Nothing is fed before the head: the session is not known yet.
        #expect(harness.state.sessions.isEmpty)
        harness.head(&exchange, headers: F.replyHeaders(sse: false, session: "from-reply"))
        #expect(harness.state.sessions.count == 1)
        #expect(harness.state.openRequests == 1)
        harness.body(&exchange, F.initializeResult)
        harness.end(&exchange)
        #expect(harness.calls.first?.session == "from-reply")
        // Started when the request ended (t=1), answered when the body ended (t=3).
        #expect(harness.calls.first?.startedAt == Fixtures.instant(1).wall)
        #expect(harness.calls.first?.durationNs == 2_000_000)
    }

    @Test func aResponseHeadBeforeTheRequestEndedStillPairs() {
        var harness = HTTPCaptureHarness()
        var exchange = harness.begin("POST", "/mcp", headers: F.postHeaders(session: F.sessionID))
        harness.head(&exchange, headers: F.replyHeaders(sse: true))
        harness.send(&exchange, F.slowCall)
        harness.body(&exchange, F.sseEvent(F.slowResult))
        harness.end(&exchange)
        #expect(harness.calls.map(\.outcome) == [.ok])
    }

    @Test func batchesRecordEveryElement() {
        var harness = HTTPCaptureHarness()
        let batch = "[\(F.slowCall),\n \(F.failCall)]"
        let reply = "[\(F.failResult), \(F.slowResult)]"
        let calls = harness.post(batch, session: F.sessionID, reply: reply)
        #expect(calls.map(\.target) == ["fail", "slow"])
        #expect(calls.map(\.outcome) == [.toolError, .ok])
        #expect(calls.allSatisfy { $0.requestBytes == batch.utf8.count && $0.responseBytes == reply.utf8.count })
    }

    @Test func prettyPrintedBodiesWithNewlinesAreOneMessage() {
        var harness = HTTPCaptureHarness()
        let pretty = "{\n  \"jsonrpc\": \"2.0\",\n  \"id\": 9,\n  \"method\": \"tools/call\",\n  \"params\": {\"name\": \"slow\"}\n}\n"
        let calls = harness.post(pretty, session: F.sessionID, reply: "{\r\n\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{}}\r\n")
        #expect(calls.map(\.target) == ["slow"])
        #expect(calls.first?.outcome == .ok)
    }

    @Test func serverToClientRequestsOnTheStreamArePairedWithTheClientsPostedAnswer() {
        var harness = HTTPCaptureHarness()
        var exchange = harness.begin("POST", "/mcp", headers: F.postHeaders(session: F.sessionID))
        harness.send(&exchange, F.slowCall)
        harness.head(&exchange, headers: F.replyHeaders(sse: true))
        harness.body(&exchange, F.sseEvent(#"{"jsonrpc":"2.0","id":0,"method":"roots/list"}"#))
        let answer = harness.post(#"{"jsonrpc":"2.0","id":0,"result":{"roots":[]}}"#, session: F.sessionID, status: 202)
        #expect(answer.map(\.method) == ["roots/list"])
        #expect(answer.first?.direction == .toClient)
        harness.body(&exchange, F.sseEvent(F.slowResult))
        harness.end(&exchange)
        #expect(harness.calls.map(\.method) == ["roots/list", "tools/call"])
    }

    @Test func theStandaloneGetStreamCarriesServerRequestsOfTheSession() {
        var harness = HTTPCaptureHarness()
        harness.post(F.initialize, reply: F.initializeResult, replySession: F.sessionID)
        var stream = harness.begin("GET", "/mcp", headers: HTTPFields([("Accept", "text/event-stream"),
                                                                       ("Mcp-Session-Id", F.sessionID),
                                                                       ("Last-Event-ID", "17")]), connection: 2)
        harness.send(&stream)
        harness.head(&stream, headers: F.replyHeaders(sse: true))
        // A priming event (id, empty data) carries no message.
        harness.body(&stream, "id: 18\r\ndata: \r\n\r\n" + F.sseEvent(#"{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}"#)
                     + F.sseEvent(#"{"jsonrpc":"2.0","id":0,"method":"sampling/createMessage","params":{"messages":[],"maxTokens":10}}"#))
        harness.post(#"{"jsonrpc":"2.0","id":0,"result":{"role":"assistant","content":{"type":"text","text":"hi"},"model":"m"}}"#,
                     session: F.sessionID, status: 202)
        harness.end(&stream)
        let calls = harness.calls
        #expect(calls.map(\.method) == ["initialize", "notifications/tools/list_changed", "sampling/createMessage"])
        #expect(calls.map(\.direction) == [.toServer, .toClient, .toClient])
        #expect(calls.allSatisfy { $0.session == F.sessionID })
        #expect(calls[2].client == PeerInfo(name: "mcp", version: "0.1.0"))
        // The end of a streamable GET stream does not close the session.
        #expect(harness.state.sessions[.mcp(F.sessionID)] != nil)
    }

    @Test func truncatedBigBodiesAreCountedAndStillPaired() throws {
        let options = try HTTPCaptureOptions(capture: CaptureOptions(
            payloads: PayloadPolicy(maxBytes: 256), transport: .http, maxLineBytes: 512))
        var harness = HTTPCaptureHarness(options: options)
        let big = String(repeating: "a", count: 5000)
        let request = #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"\#(big)"}}}"#
        let reply = #"{"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"\#(big)"}]}}"#
        harness.post(request, session: F.sessionID, reply: F.sseEvent(reply), sse: true)
        harness.post(request.replacingOccurrences(of: #""id":2"#, with: #""id":3"#), session: F.sessionID,
                     reply: reply.replacingOccurrences(of: #""id":2"#, with: #""id":3"#))
        let calls = harness.calls
        #expect(calls.map(\.target) == ["echo", "echo"])
        #expect(calls.map(\.outcome) == [.ok, .ok])
        for call in calls {
            #expect(call.requestBytes == request.utf8.count)
            #expect(call.responseBytes == reply.utf8.count)
            guard case .object(let payload)? = call.request else {
                Issue.record("no request payload")
                continue
            }
            #expect(payload["$truncated"] == .bool(true))
        }
    }

    @Test func contentLengthZeroAndNonJSONBodiesAreIgnored() {
        var harness = HTTPCaptureHarness()
        harness.post(F.initialized, session: F.sessionID, status: 202)
        harness.post(F.initialized, session: F.sessionID, status: 202, reply: "Accepted")
        #expect(harness.calls.map(\.kind) == [.notification, .notification])
    }
}

@Suite struct HTTPCaptureEncodedBodyTests {
    private typealias F = HTTPFixtures

    @Test func compressedRepliesAreNotParsedAndTheRequestStaysOpen() {
        var harness = HTTPCaptureHarness()
        var exchange = harness.begin("POST", "/mcp", headers: F.postHeaders(session: F.sessionID))
        harness.send(&exchange, F.slowCall)
        harness.head(&exchange, headers: HTTPFields([("content-type", "application/json"), ("Content-Encoding", "gzip")]))
        // Bytes that would pair if they were parsed: a gzip body is never mistaken for JSON.
        harness.body(&exchange, F.slowResult)
        #expect(harness.end(&exchange).isEmpty)
        #expect(harness.state.openRequests == 1)
    }

    @Test func compressedErrorBodiesAreLeftOutOfTheMessage() {
        var harness = HTTPCaptureHarness()
        var exchange = harness.begin("POST", "/mcp", headers: F.postHeaders(session: F.sessionID))
        harness.send(&exchange, F.slowCall)
        harness.head(&exchange, 500, reason: "Internal Server Error",
                     headers: HTTPFields([("content-type", "text/plain"), ("content-encoding", "br")]))
        harness.body(&exchange, "compressed")
        #expect(harness.end(&exchange).map(\.errorMessage) == ["HTTP 500 Internal Server Error"])
    }

    @Test func compressedRequestsAreNotParsed() {
        var harness = HTTPCaptureHarness()
        let headers = F.postHeaders(session: F.sessionID, extra: [("Content-Encoding", "gzip")])
        harness.post(F.slowCall, reply: F.slowResult, headers: headers)
        #expect(harness.calls.isEmpty)
        harness.post(F.slowCall, reply: F.slowResult,
                     headers: F.postHeaders(session: F.sessionID, extra: [("Content-Encoding", "identity")]))
        #expect(harness.calls.map(\.outcome) == [.ok])
    }
}
