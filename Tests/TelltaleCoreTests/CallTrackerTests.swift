import Foundation
import Testing
import TelltaleCore

@Suite struct CallTrackerTests {
    private struct Harness {
        var tracker: CallTracker
        init(options: CaptureOptions = CaptureOptions(tags: ["env": "test"])) {
            tracker = CallTracker(sessionID: "s-1", options: options)
        }
        @discardableResult
        mutating func send(_ line: String, from source: MessageSource, at ms: UInt64) -> [Call] {
            var calls: [Call] = []
            let bytes = Array(line.utf8)
            let isMessage = bytes.withUnsafeBytes {
                tracker.observe(line: $0, byteCount: bytes.count, from: source, at: Fixtures.instant(ms), into: &calls)
            }
            #expect(isMessage, "\(line)")
            return calls
        }
    }

    @Test func modernFlowPairsEveryRequestWithIdentityTraceAndOutcomes() throws {
        var harness = Harness()
        var calls: [Call] = []
        for (offset, entry) in Fixtures.modern.enumerated() {
            calls += harness.send(entry.1, from: entry.0, at: UInt64(offset) * 10)
        }
        #expect(calls.map(\.method) == ["server/discover", "tools/list", "tools/call", "tools/call", "tools/call"])
        #expect(calls.map(\.outcome) == [.ok, .ok, .ok, .toolError, .error])
        #expect(calls.map(\.requestId) == ["1", "2", "3", "4", "5"])
        #expect(calls.map(\.target) == [nil, nil, "get_current_time", "convert_time", "no_such_tool"])
        for call in calls {
            #expect(call.client == PeerInfo(name: "mcp", version: "0.1.0"))
            #expect(call.server == PeerInfo(name: "mcp-time", version: "2026.10.19"))
            #expect(call.protocolVersion == "2026-07-28")
            #expect(call.session == "s-1")
            #expect(call.kind == .request)
            #expect(call.direction == .toServer)
            #expect(call.durationNs == 10_000_000)
            #expect(call.tags == ["env": "test"])
            #expect(call.transport == .stdio)
        }
        let toolCall = calls[2]
        #expect(toolCall.trace == TraceContext(traceparent: Fixtures.traceparent, tracestate: "vendor=1"))
        #expect(toolCall.trace?.traceId == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(toolCall.requestBytes == Fixtures.modern[4].1.utf8.count)
        #expect(toolCall.responseBytes == Fixtures.modern[5].1.utf8.count)
        #expect(toolCall.startedAt == Fixtures.instant(40).wall)
        guard case .object(let request)? = toolCall.request else {
            Issue.record("no request payload")
            return
        }
        #expect(request["name"] == .string("get_current_time"))
        #expect(calls[3].errorMessage == "Error executing tool convert_time: Invalid timezone: 'No time zone found with key Nowhere/Bad'")
        #expect(calls[4].errorCode == -32602)
        #expect(calls[4].errorMessage == "Unknown tool: no_such_tool")
        #expect(calls[4].response == .object(["code": .number(-32602), "message": .string("Unknown tool: no_such_tool")]))
        #expect(Set(calls.map(\.id)).count == calls.count)
        #expect(harness.tracker.openRequests == 0)
    }

    @Test func legacyFlowLearnsIdentityFromInitializeAndRecordsTheNotification() {
        var harness = Harness()
        var calls: [Call] = []
        for (offset, entry) in Fixtures.legacy.enumerated() {
            calls += harness.send(entry.1, from: entry.0, at: UInt64(offset))
        }
        #expect(calls.map(\.method) == ["initialize", "notifications/initialized", "tools/list", "tools/call", "tools/call", "tools/call"])
        #expect(calls.map(\.kind) == [.request, .notification, .request, .request, .request, .request])
        #expect(calls.map(\.outcome) == [.ok, .ok, .ok, .ok, .toolError, .error])
        let notification = calls[1]
        #expect(notification.durationNs == 0)
        #expect(notification.requestId == nil)
        for call in calls {
            #expect(call.client == PeerInfo(name: "mcp", version: "0.1.0"))
            #expect(call.server == PeerInfo(name: "mcp-time", version: "2026.10.19"))
            #expect(call.protocolVersion == "2025-11-25")
        }
    }

    @Test func serverInfoInAResultIsStampedEvenBeforeTheSessionKnewIt() {
        var harness = Harness()
        harness.send(#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#, from: .client, at: 0)
        let calls = harness.send(#"{"jsonrpc":"2.0","id":1,"result":{"tools":[],"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"late","version":"2"}}}}"#, from: .server, at: 1)
        #expect(calls.first?.server == PeerInfo(name: "late", version: "2"))
        #expect(calls.first?.client == nil)
        #expect(harness.tracker.server == PeerInfo(name: "late", version: "2"))
    }

    @Test func serverToClientRequestsArePairedInTheirOwnIdSpace() {
        var harness = Harness()
        harness.send(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"summarize"}}"#, from: .client, at: 0)
        // The server asks the client to sample, reusing id 1 in its own id space.
        harness.send(#"{"jsonrpc":"2.0","id":1,"method":"sampling/createMessage","params":{"messages":[],"maxTokens":100}}"#, from: .server, at: 5)
        let sampling = harness.send(#"{"jsonrpc":"2.0","id":1,"result":{"role":"assistant","content":{"type":"text","text":"ok"},"model":"m"}}"#, from: .client, at: 25)
        #expect(sampling.count == 1)
        #expect(sampling.first?.method == "sampling/createMessage")
        #expect(sampling.first?.direction == .toClient)
        #expect(sampling.first?.durationNs == 20_000_000)
        guard case .object(let params)? = sampling.first?.request else {
            Issue.record("no params")
            return
        }
        #expect(params["maxTokens"] == .number(100))
        harness.send(#"{"jsonrpc":"2.0","id":2,"method":"roots/list"}"#, from: .server, at: 26)
        #expect(harness.tracker.openRequests == 2)
        let tool = harness.send(#"{"jsonrpc":"2.0","id":1,"result":{"content":[]}}"#, from: .server, at: 30)
        #expect(tool.first?.method == "tools/call")
        #expect(tool.first?.direction == .toServer)
        #expect(tool.first?.durationNs == 30_000_000)
    }

    @Test func cancelledRequestIsRecordedAndTheLateResponseIgnored() {
        var harness = Harness()
        harness.send(#"{"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"slow"}}"#, from: .client, at: 0)
        let cancel = harness.send(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"c1","reason":"timeout in client"}}"#, from: .client, at: 7)
        #expect(cancel.map(\.kind) == [.request, .notification])
        #expect(cancel.first?.outcome == .cancelled)
        #expect(cancel.first?.target == "slow")
        #expect(cancel.first?.durationNs == 7_000_000)
        #expect(cancel.first?.errorMessage == "timeout in client")
        #expect(cancel.last?.method == "notifications/cancelled")
        let late = harness.send(#"{"jsonrpc":"2.0","id":"c1","result":{"content":[]}}"#, from: .server, at: 9)
        #expect(late.isEmpty)
        #expect(harness.tracker.stats.unmatchedResponses == 1)
        // A numeric id 1 and a string id "1" are different requests.
        harness.send(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, from: .client, at: 10)
        #expect(harness.send(#"{"jsonrpc":"2.0","id":"1","result":{}}"#, from: .server, at: 11).isEmpty)
    }

    @Test func timeoutAndCloseRecordNoResponse() {
        var harness = Harness(options: CaptureOptions(requestTimeout: .seconds(2)))
        harness.send(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"hang"}}"#, from: .client, at: 0)
        harness.send(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"later"}}"#, from: .client, at: 1500)
        var calls: [Call] = []
        harness.tracker.expire(at: Fixtures.instant(1999), into: &calls)
        #expect(calls.isEmpty)
        harness.tracker.expire(at: Fixtures.instant(2000), into: &calls)
        #expect(calls.map(\.target) == ["hang"])
        #expect(calls.first?.outcome == .noResponse)
        #expect(calls.first?.errorMessage == "no response within 2 s")
        #expect(calls.first?.durationNs == 2_000_000_000)
        #expect(harness.send(#"{"jsonrpc":"2.0","id":1,"result":{}}"#, from: .server, at: 2100).isEmpty)
        calls = []
        harness.tracker.close(at: Fixtures.instant(2500), into: &calls)
        #expect(calls.map(\.target) == ["later"])
        #expect(calls.first?.errorMessage == "connection closed")
        #expect(calls.first?.durationNs == 1_000_000_000)
        #expect(harness.tracker.openRequests == 0)
    }

    @Test func batchElementsAreEachHandled() {
        var harness = Harness()
        harness.send(#"[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"a"}},{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}]"#, from: .client, at: 0)
        let calls = harness.send(#"[{"jsonrpc":"2.0","id":2,"error":{"code":-32603,"message":"boom"}},{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}]"#, from: .server, at: 3)
        #expect(calls.map(\.method) == ["tools/call", "tools/list"])
        #expect(calls.map(\.outcome) == [.error, .ok])
        #expect(calls.first?.errorCode == -32603)
    }

    @Test func payloadsOffKeepsEverythingButPayloads() {
        var harness = Harness(options: CaptureOptions(payloads: .off))
        var calls: [Call] = []
        for (offset, entry) in Fixtures.modern.enumerated() {
            calls += harness.send(entry.1, from: entry.0, at: UInt64(offset))
        }
        #expect(calls.count == 5)
        #expect(calls.allSatisfy { $0.request == nil && $0.response == nil })
        #expect(calls[3].errorMessage?.hasPrefix("Error executing tool") == true)
    }

    @Test func reusedOpenIdSupersedesTheOldRequest() {
        var harness = Harness()
        harness.send(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"first"}}"#, from: .client, at: 0)
        let calls = harness.send(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"second"}}"#, from: .client, at: 1)
        #expect(calls.map(\.target) == ["first"])
        #expect(calls.first?.outcome == .noResponse)
        #expect(harness.tracker.stats.reusedIDs == 1)
    }
}
