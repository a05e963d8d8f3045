import Foundation
import Testing
import TelltaleCore

/// 2026-07-28 sessionless traffic, identity fallbacks, trace context and context-header tags.
@Suite struct HTTPCaptureSessionlessTests {
    private typealias F = HTTPFixtures

    private func modernHeaders(traceparent: String? = nil, userAgent: String = "python-httpx/0.28.1",
                               extra: [(String, String)] = []) -> HTTPFields {
        var fields: [(name: String, value: String)] = [
            ("Host", "127.0.0.1:18701"), ("Content-Type", "application/json"), ("User-Agent", userAgent),
            ("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/call"), ("Mcp-Name", "slow"),
        ]
        if let traceparent { fields.append(("traceparent", traceparent)) }
        fields += extra.map { (name: $0.0, value: $0.1) }
        return HTTPFields(fields)
    }

    @Test func requestsAreGroupedByTheirMetaTraceIdAcrossConnections() {
        var harness = HTTPCaptureHarness()
        harness.post(F.modernCall(id: 1, traceparent: F.traceparent), reply: F.modernResult(id: 1), replySession: nil,
                     connection: 1, headers: modernHeaders())
        harness.post(F.modernCall(id: 2, traceparent: F.traceparent), reply: F.modernResult(id: 2), replySession: nil,
                     connection: 2, headers: modernHeaders())
        let calls = harness.calls
        #expect(calls.map(\.session) == [F.traceID, F.traceID])
        #expect(calls.map(\.outcome) == [.ok, .ok])
        #expect(calls.allSatisfy { $0.client == PeerInfo(name: "mcp", version: "0.1.0") })
        #expect(calls.allSatisfy { $0.server == PeerInfo(name: "fixture-server", version: "") })
        #expect(calls.allSatisfy { $0.protocolVersion == "2026-07-28" && $0.transport == .http })
        #expect(calls.first?.trace?.traceId == F.traceID)
        #expect(harness.state.sessions.count == 1)
    }

    @Test func theHeaderTraceGroupsWhenMetaHasNone() {
        var harness = HTTPCaptureHarness()
        harness.post(F.modernCall(id: 1), reply: F.modernResult(id: 1), replySession: nil,
                     headers: modernHeaders(traceparent: F.otherTraceparent))
        let call = harness.calls.first
        #expect(call?.session == "0af7651916cd43dd8448eb211c80319c")
        #expect(call?.trace == TraceContext(traceparent: F.otherTraceparent))
    }

    @Test func metaTraceWinsOverTheHeader() {
        var harness = HTTPCaptureHarness()
        harness.post(F.modernCall(id: 1, traceparent: F.traceparent), reply: F.modernResult(id: 1), replySession: nil,
                     headers: modernHeaders(traceparent: F.otherTraceparent, extra: [("tracestate", "h=1")]))
        let call = harness.calls.first
        #expect(call?.trace == TraceContext(traceparent: F.traceparent))
        #expect(call?.session == F.traceID)
    }

    @Test func handshakeEraRequestsWithATraceStayGroupedPerConnection() {
        // A stateless server of the initialize era: no session header, no 2026-07-28 `_meta`, but the
        // caller's trace on every request. Grouping by trace belongs to 2026-07-28 traffic only.
        var harness = HTTPCaptureHarness()
        let call = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{},"_meta":{"traceparent":"\#(F.traceparent)"}}}"#
        let reply = #"{"jsonrpc":"2.0","id":1,"result":{"content":[]}}"#
        let headers = F.postHeaders(extra: [("MCP-Protocol-Version", "2025-11-25"), ("traceparent", F.traceparent)])
        harness.post(call, reply: reply, replySession: nil, connection: 1, headers: headers)
        harness.post(call, reply: reply, replySession: nil, connection: 2, headers: headers)
        let calls = harness.calls
        #expect(calls.count == 2)
        #expect(calls[0].session != calls[1].session)
        #expect(!calls.contains { $0.session == F.traceID })
        #expect(calls.allSatisfy { $0.trace?.traceId == F.traceID })
        #expect(harness.state.sessions[.connection(1)] != nil && harness.state.sessions[.connection(2)] != nil)
    }

    @Test func withoutAnyTraceEachConnectionIsASession() {
        var harness = HTTPCaptureHarness()
        harness.post(F.modernCall(id: 1), reply: F.modernResult(id: 1), replySession: nil, connection: 7, headers: modernHeaders())
        harness.post(F.modernCall(id: 2), reply: F.modernResult(id: 2), replySession: nil, connection: 7, headers: modernHeaders())
        harness.post(F.modernCall(id: 3), reply: F.modernResult(id: 3), replySession: nil, connection: 8, headers: modernHeaders())
        let sessions = harness.calls.map(\.session)
        #expect(sessions[0] == sessions[1])
        #expect(sessions[0] != sessions[2])
        #expect(sessions.allSatisfy { $0.count == 36 && $0 != F.sessionID })
        #expect(harness.state.sessions[.connection(7)] != nil)
        // An open request on a closed connection ends with it.
        var open = harness.begin("POST", "/mcp", headers: modernHeaders(), connection: 8)
        harness.send(&open, F.modernCall(id: 4))
        harness.head(&open, headers: F.replyHeaders(sse: true, session: nil))
        let closed = harness.record(harness.state.connectionClosed(8, at: harness.now()))
        #expect(closed.map(\.outcome) == [.noResponse])
        #expect(closed.first?.errorMessage == "connection closed")
        #expect(closed.first?.session == sessions[2])
        #expect(harness.state.sessions[.connection(8)] == nil)
        #expect(harness.state.sessions[.connection(7)] != nil)
    }

    @Test func userAgentIdentifiesClientsThatSayNothing() {
        var harness = HTTPCaptureHarness()
        let bare = #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#
        harness.post(bare, session: "s-ua", reply: #"{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}"#,
                     headers: F.postHeaders(session: "s-ua", extra: [("User-Agent", "ignored/1")]))
        #expect(harness.calls.last?.client == PeerInfo(name: "python-httpx", version: "0.28.1"))
        harness.post(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, session: "s-ua", status: 202,
                     headers: HTTPFields([("Mcp-Session-Id", "s-ua"), ("user-agent", "Mozilla/5.0 (X11; Linux x86_64)")]))
        #expect(harness.calls.last?.client == PeerInfo(name: "Mozilla", version: "5.0"))
        harness.post(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, session: "s-ua", status: 202,
                     headers: HTTPFields([("Mcp-Session-Id", "s-ua"), ("User-Agent", "curl")]))
        #expect(harness.calls.last?.client == PeerInfo(name: "curl"))
        harness.post(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, session: "s-ua", status: 202,
                     headers: HTTPFields([("Mcp-Session-Id", "s-ua")]))
        #expect(harness.calls.last?.client == nil)
    }

    @Test func theSessionsOwnIdentityWinsOverTheUserAgent() {
        var harness = HTTPCaptureHarness()
        harness.post(F.initialize, reply: F.initializeResult, replySession: F.sessionID)
        harness.post(F.toolsList, session: F.sessionID, reply: #"{"jsonrpc":"2.0","id":4,"result":{"tools":[]}}"#)
        #expect(harness.calls.map(\.client) == [PeerInfo(name: "mcp", version: "0.1.0"), PeerInfo(name: "mcp", version: "0.1.0")])
    }

    @Test func contextHeadersBecomeTagsAndOtherHeadersAreNotStored() throws {
        let options = try HTTPCaptureOptions(capture: CaptureOptions(tags: ["env": "test", "tenant": "static"], transport: .http),
                                             contextHeaderSpecs: ["X-Tenant=tenant", "X-Region = region", "X-Absent=absent"])
        var harness = HTTPCaptureHarness(options: options)
        harness.post(F.slowCall, session: F.sessionID, reply: F.slowResult,
                     headers: F.postHeaders(session: F.sessionID, extra: [("x-tenant", "acme"), ("X-Region", "eu-1"),
                                                                          ("Authorization", "Bearer secret-token")]))
        let call = try #require(harness.calls.first)
        #expect(call.tags == ["env": "test", "tenant": "acme", "region": "eu-1"])
        let encoded = String(decoding: try JSONEncoder().encode(call), as: UTF8.self)
        #expect(!encoded.contains("secret-token"))
        #expect(!encoded.contains("python-httpx/0.28.1"))
    }
}
