import Foundation
import MCP
import TelltaleCore
import TelltaleMCP
import Testing

/// Cancellation with the real client, and 2026-07-28 identity from `_meta` (sent by a raw peer: swift-sdk
/// 0.12.1 itself only speaks the handshake era). Calls are read from the sink the monitor hands them to.
@Suite struct OutcomeAndIdentityTests {
    @Test func aRequestTheClientCancelsIsRecordedAsCancelled() async throws {
        let sink = RecordingSink()
        let telltale = Telltale(options: TelltaleOptions(log: { _ in }, environment: [:]), sink: sink, faults: nil)
        let (client, server, transport) = try await TestServer.connect(telltale)
        let context: RequestContext<CallTool.Result> = try await client.callTool(name: "sleep", arguments: ["ms": 30_000])
        // The request is on its way on a task of the client's: cancel once the server side has seen it.
        let deadline = ContinuousClock.now + .seconds(20)
        while transport.stats.framesObserved < 4, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        try await client.cancelRequest(context.requestID, reason: "user gave up")
        // The connection still serves after the cancellation.
        let sum = try await client.callTool(name: "add", arguments: ["a": 1, "b": 1])
        #expect(TestServer.text(sum.content) == "2")
        await telltale.flush()
        let sleep = try #require(sink.all.first { $0.target == "sleep" }, "\(sink.all.map(\.method))")
        #expect(sleep.outcome == .cancelled)
        #expect(sleep.errorMessage == "user gave up")
        #expect(sink.all.contains { $0.method == "notifications/cancelled" && $0.kind == .notification })
        await client.disconnect()
        await server.stop()
    }

    @Test func a2026ClientIsIdentifiedFromMetaWithoutALateAttachWarning() async throws {
        let sink = RecordingSink()
        let log = LogLines()
        let telltale = Telltale(options: TelltaleOptions(log: log.sink, environment: [:]), sink: sink, faults: nil)
        let (peer, serverSide) = await InMemoryTransport.createConnectedPair()
        let server = await TestServer.make()
        try await server.start(transport: telltale.monitor(serverSide))
        try await peer.connect()
        let replies = await peer.receive()
        try await peer.send(Data("""
            {"jsonrpc":"2.0","id":"r1","method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},\
            "_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",\
            "io.modelcontextprotocol/clientInfo":{"name":"modern-client","version":"2.3.0"},\
            "traceparent":"00-11111111111111111111111111111111-2222222222222222-01"}}}
            """.utf8))
        for try await reply in replies {
            #expect(String(decoding: reply, as: UTF8.self).contains("\"3\""))
            break
        }
        await telltale.flush()
        let call = try #require(sink.all.first)
        #expect(call.requestId == "\"r1\"")
        #expect(call.client == PeerInfo(name: "modern-client", version: "2.3.0"))
        #expect(call.protocolVersion == "2026-07-28")
        #expect(call.trace?.traceId == "11111111111111111111111111111111")
        #expect(call.outcome == .ok && call.target == "add")
        #expect(log.all.isEmpty)
        await server.stop()
        await peer.disconnect()
    }

    @Test func aServerToClientRequestIsRecordedTowardsTheClient() async throws {
        let sink = RecordingSink()
        let telltale = Telltale(options: TelltaleOptions(log: { _ in }, environment: [:]), sink: sink, faults: nil)
        let client = Client(name: "roots-client", version: "1.0.0", capabilities: .init(roots: .init(listChanged: false)))
        await client.withRootsHandler { [Root(uri: "file:///work", name: "work")] }
        let (_, server, _) = try await TestServer.connect(telltale, client: client)
        let result = try await client.callTool(name: "roots")
        #expect(TestServer.text(result.content) == "file:///work")
        await telltale.flush()
        let roots = try #require(sink.all.first { $0.method == "roots/list" })
        #expect(roots.direction == .toClient)
        #expect(roots.outcome == .ok)
        #expect(roots.client?.name == "roots-client" && roots.server?.name == TestServer.name)
        let call = try #require(sink.all.first { $0.target == "roots" })
        #expect(call.direction == .toServer && call.outcome == .ok)
        #expect(call.durationNs >= roots.durationNs)
        await client.disconnect()
        await server.stop()
    }

    @Test func aRequestOpenLongerThanTheTimeoutIsRecordedAsNoResponse() async throws {
        let sink = RecordingSink()
        let telltale = Telltale(
            options: TelltaleOptions(requestTimeout: .milliseconds(300), log: { _ in }, environment: [:]),
            sink: sink, faults: nil)
        let (client, server, _) = try await TestServer.connect(telltale)
        let context: RequestContext<CallTool.Result> = try await client.callTool(name: "sleep", arguments: ["ms": 4_000])
        // The monitor's once-a-second tick expires it while the server is still working on it.
        let deadline = ContinuousClock.now + .seconds(20)
        while !sink.all.contains(where: { $0.target == "sleep" }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let sleep = try #require(sink.all.first { $0.target == "sleep" })
        #expect(sleep.outcome == .noResponse)
        #expect(sleep.errorMessage == "no response within 0.3 s")
        _ = try await context.value
        await client.disconnect()
        await server.stop()
    }

    @Test func anHTTPConnectionThatNeverToldItsSessionKeepsItsOwnIdAfterAFlush() async throws {
        let sink = RecordingSink()
        let telltale = Telltale(options: TelltaleOptions(log: { _ in }, environment: [:]), sink: sink, faults: nil)
        let inner = StatefulHTTPServerTransport()
        let transport = telltale.monitor(inner)
        let server = await TestServer.make()
        try await server.start(transport: transport)
        let initialize = try await HTTPCaptureTests.post(inner, """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",\
            "capabilities":{},"clientInfo":{"name":"brief-client","version":"1.0"}}}
            """)
        #expect(initialize.reply?["result"] != nil)
        await telltale.flush()
        // The initialize exchange waited for a later request to tell its Mcp-Session-Id; a flush sends it now.
        let call = try #require(sink.all.first)
        #expect(call.method == "initialize" && call.transport == .http)
        #expect(call.session == transport.sessionID)
        #expect(call.session != initialize.headers.first { $0.key.lowercased() == "mcp-session-id" }?.value)
        await server.stop()
    }
}
