import Foundation
import MCP
import TelltaleCore
import TelltaleMCP
import Testing

/// The real swift-sdk `Client` and `Server` over `InMemoryTransport`, the server's side monitored, shipping
/// to a real collector; the assertions read what the collector stored.
@Suite struct InMemoryCaptureTests {
    static let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test func everyOutcomeIsRecordedFromInitializeOnAndStored() async throws {
        try await Collector.with { collector in
            let log = LogLines()
            let telltale = Telltale(TelltaleOptions(
                endpoint: collector.endpoint, apiKey: collector.ingestKey, tags: ["env": "test"],
                spoolDirectory: collector.spoolDirectory, log: log.sink, environment: [:]))
            let (client, server, transport) = try await TestServer.connect(telltale)

            _ = try await client.listTools()
            let sum = try await client.callTool(name: "add", arguments: ["a": 2, "b": 3])
            #expect(TestServer.text(sum.content) == "5")
            let division = try await client.callTool(name: "divide", arguments: ["a": 1, "b": 0])
            #expect(division.isError == true)
            await #expect(throws: MCPError.self) { _ = try await client.callTool(name: "nope") }
            _ = try await client.callTool(name: "echo", arguments: ["q": "x"],
                                          meta: Metadata(additionalFields: ["traceparent": .string(Self.traceparent)]))

            await client.disconnect()
            await server.stop()
            await telltale.shutdown()

            let calls = try await collector.waitForCalls { $0.count >= 7 }
            let session = try #require(transport.sessionID)
            #expect(calls.count == 7)
            #expect(calls.allSatisfy { $0.session == session && $0.transport == .memory && $0.tags == ["env": "test"] })
            #expect(calls.allSatisfy { $0.id.count == 36 && $0.id == $0.id.lowercased() && Array($0.id)[14] == "7" })

            let initialize = try #require(calls.first { $0.method == "initialize" })
            #expect(initialize.outcome == .ok)
            #expect(initialize.client == PeerInfo(name: TestServer.clientName, version: TestServer.clientVersion))
            #expect(initialize.server == PeerInfo(name: TestServer.name, version: TestServer.version))
            #expect(initialize.protocolVersion != nil)
            #expect(initialize.requestBytes > 0 && initialize.responseBytes > 0)

            let initialized = try #require(calls.first { $0.method == "notifications/initialized" })
            #expect(initialized.kind == .notification)

            let toolCalls = calls.filter { $0.method == "tools/call" }
            #expect(toolCalls.map(\.target) == ["add", "divide", "nope", "echo"])
            #expect(toolCalls.map(\.outcome) == [.ok, .toolError, .error, .ok])
            #expect(toolCalls[1].errorMessage == "division by zero")
            #expect(toolCalls[2].errorCode == -32602)
            #expect(toolCalls.allSatisfy {
                $0.client?.name == TestServer.clientName && $0.server?.name == TestServer.name
                    && $0.protocolVersion == initialize.protocolVersion && $0.direction == .toServer
            })
            #expect(toolCalls[3].trace?.traceId == "4bf92f3577b34da6a3ce929d0e0e4736")
            #expect(toolCalls[3].trace?.spanId == "00f067aa0ba902b7")
            #expect(toolCalls[0].request?["arguments"]?["a"] == .number(2))
            #expect(toolCalls[0].response?["content"] != nil)
            #expect(toolCalls[0].requestId != nil && toolCalls[0].requestId != toolCalls[1].requestId)
            #expect(calls.contains { $0.method == "tools/list" && $0.outcome == .ok })

            #expect(telltale.shipperStats?.sent == 7)
            #expect(transport.stats.callsSubmitted == 7)
            #expect(log.all.isEmpty, "no log lines on a healthy run: \(log.all)")
        }
    }

    @Test func redactionPayloadSwitchAndBeforeSendShapeWhatIsStored() async throws {
        try await Collector.with { collector in
            let log = LogLines()
            let redacting = Telltale(TelltaleOptions(
                endpoint: collector.endpoint, apiKey: collector.ingestKey, redactKeys: ["^account"],
                beforeSend: { call in
                    if call.method == "tools/list" { return nil }
                    if call.target == "add" { throw HookFailure() }
                    var call = call
                    call.tags["tenant"] = "acme"
                    return call
                },
                spoolDirectory: collector.spoolDirectory, log: log.sink, environment: [:]))
            let (client, server, transport) = try await TestServer.connect(redacting)
            _ = try await client.listTools()
            _ = try await client.callTool(name: "echo", arguments: ["password": "hunter2", "accountNumber": "42", "city": "Oslo"])
            _ = try await client.callTool(name: "add", arguments: ["a": 1, "b": 1])
            _ = try await client.callTool(name: "add", arguments: ["a": 1, "b": 2])
            await client.disconnect()
            await server.stop()
            await redacting.shutdown()

            let calls = try await collector.waitForCalls { $0.filter { $0.method == "tools/call" }.count >= 3 }
            #expect(!calls.contains { $0.method == "tools/list" }, "beforeSend returning nil drops the call")
            #expect(transport.stats.callsDroppedByHook == 1)
            let echo = try #require(calls.first { $0.target == "echo" })
            #expect(echo.tags["tenant"] == "acme")
            let arguments = try #require(echo.request?["arguments"])
            #expect(arguments["password"] == .string("[REDACTED]"))
            #expect(arguments["accountNumber"] == .string("[REDACTED]"))
            #expect(arguments["city"] == .string("Oslo"))
            // The echoed text carries the secret inside a string: redaction is by key, so the response
            // is stored as the server sent it.
            let adds = calls.filter { $0.target == "add" }
            #expect(adds.count == 2, "a throwing beforeSend sends the call unchanged")
            #expect(adds.allSatisfy { $0.tags["tenant"] == nil })
            #expect(log.matching("beforeSend threw").count == 1)
        }
    }

    @Test func payloadCaptureOffStoresNoRequestOrResponse() async throws {
        try await Collector.with { collector in
            let telltale = Telltale(TelltaleOptions(
                endpoint: collector.endpoint, apiKey: collector.ingestKey, capturePayloads: false,
                spoolDirectory: collector.spoolDirectory, environment: [:]))
            let (client, server, _) = try await TestServer.connect(telltale)
            _ = try await client.callTool(name: "echo", arguments: ["q": "secret plans"])
            await client.disconnect()
            await server.stop()
            await telltale.shutdown()
            let calls = try await collector.waitForCalls { $0.contains { $0.target == "echo" } }
            let echo = try #require(calls.first { $0.target == "echo" })
            #expect(echo.request == nil && echo.response == nil)
            #expect(echo.requestBytes > 0 && echo.responseBytes > 0)
            #expect(calls.allSatisfy { $0.request == nil && $0.response == nil })
        }
    }

    @Test func openRequestsBecomeNoResponseWhenTheTransportDisconnects() async throws {
        try await Collector.with { collector in
            let telltale = Telltale(TelltaleOptions(
                endpoint: collector.endpoint, apiKey: collector.ingestKey,
                spoolDirectory: collector.spoolDirectory, environment: [:]))
            let (client, server, transport) = try await TestServer.connect(telltale)
            let pending = Task { try await client.callTool(name: "sleep", arguments: ["ms": 30_000]) }
            // Wait until the request has been seen by the monitor (initialize, initialized, the call).
            let deadline = ContinuousClock.now + .seconds(20)
            while transport.stats.framesObserved < 4, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            await transport.disconnect()
            pending.cancel()
            await client.disconnect()
            await server.stop()
            await telltale.shutdown()
            let calls = try await collector.waitForCalls { $0.contains { $0.target == "sleep" } }
            let sleep = try #require(calls.first { $0.target == "sleep" })
            #expect(sleep.outcome == .noResponse)
            #expect(sleep.errorMessage == "connection closed")
        }
    }

    struct HookFailure: Error {}
}
