import Foundation
import MCP
import TelltaleCore
import TelltaleMCP
import Testing

/// swift-sdk's `StatefulHTTPServerTransport`, monitored, behind a real `Server`; HTTP requests are handed to
/// the transport the way a web framework would (`handleRequest`), and the calls go to a real collector.
@Suite struct HTTPCaptureTests {
    static let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    /// POSTs one JSON-RPC message; returns the response's headers and the JSON-RPC reply, if any.
    static func post(
        _ transport: some HTTPHandling, _ json: String, headers extra: [String: String] = [:]
    ) async throws -> (headers: [String: String], reply: [String: Any]?) {
        var headers = ["Content-Type": "application/json", "Accept": "application/json, text/event-stream"]
        headers.merge(extra) { _, new in new }
        let response = await transport.handle(HTTPRequest(method: "POST", headers: headers, body: Data(json.utf8), path: "/mcp"))
        switch response {
        case .stream(let stream, let headers):
            var text = ""
            for try await chunk in stream {
                text += String(decoding: chunk, as: UTF8.self)
                let data = text.split(separator: "\n").filter { $0.hasPrefix("data:") }
                    .map { $0.dropFirst(5).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                if let first = data.first {
                    return (headers, try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
                }
            }
            return (headers, nil)
        case .data(let body, let headers):
            return (headers, try JSONSerialization.jsonObject(with: body) as? [String: Any])
        case .accepted(let headers), .ok(let headers):
            return (headers, nil)
        case .error(let status, let error, _, _):
            throw HTTPFailure(description: "HTTP \(status): \(error)")
        @unknown default:
            throw HTTPFailure(description: "unexpected response")
        }
    }

    struct HTTPFailure: Error, CustomStringConvertible {
        var description: String
    }

    @Test func httpContextIsForwardedAndItsHeadersNameTheSessionAndTrace() async throws {
        try await Collector.with { collector in
            let telltale = Telltale(TelltaleOptions(
                endpoint: collector.endpoint, apiKey: collector.ingestKey,
                spoolDirectory: collector.spoolDirectory, environment: [:]))
            let inner = StatefulHTTPServerTransport()
            let transport = telltale.monitor(inner)
            #expect(transport.callTransport == .http)
            #expect((transport as Any) is any HTTPContextProviding)
            let server = await TestServer.make()
            try await server.start(transport: transport)

            let initialize = try await Self.post(inner, """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",\
                "capabilities":{},"clientInfo":{"name":"http-client","version":"5.0"}}}
                """, headers: ["User-Agent": "curl/8.0"])
            let session = try #require(initialize.headers.first { $0.key.lowercased() == "mcp-session-id" }?.value)
            let version = try #require((initialize.reply?["result"] as? [String: Any])?["protocolVersion"] as? String)
            let sessionHeaders = ["Mcp-Session-Id": session, "MCP-Protocol-Version": version]
            _ = try await Self.post(inner, #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, headers: sessionHeaders)
            let seen = try await Self.post(inner, """
                {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"header","arguments":{"name":"X-Tenant"}}}
                """, headers: sessionHeaders.merging(["X-Tenant": "acme", "traceparent": Self.traceparent]) { a, _ in a })
            // The server's handler saw the HTTP request through the monitored transport.
            let content = ((seen.reply?["result"] as? [String: Any])?["content"] as? [[String: Any]])?.first
            #expect(content?["text"] as? String == "acme")

            await server.stop()
            await telltale.shutdown()
            let calls = try await collector.waitForCalls { $0.count >= 3 }
            #expect(calls.map(\.method) == ["initialize", "notifications/initialized", "tools/call"])
            #expect(calls.allSatisfy { $0.session == session && $0.transport == .http })
            #expect(transport.sessionID == session)
            #expect(calls[0].client == PeerInfo(name: "http-client", version: "5.0"))
            #expect(calls[2].trace?.traceId == "0af7651916cd43dd8448eb211c80319c")
            #expect(calls[2].target == "header" && calls[2].outcome == .ok)
        }
    }

    @Test func aStatelessServerKeepsTheConnectionsOwnSession() async throws {
        try await Collector.with { collector in
            let telltale = Telltale(TelltaleOptions(
                endpoint: collector.endpoint, apiKey: collector.ingestKey,
                spoolDirectory: collector.spoolDirectory, environment: [:]))
            let inner = StatelessHTTPServerTransport()
            let transport = telltale.monitor(inner)
            let server = await TestServer.make()
            try await server.start(transport: transport)
            let initialize = try await Self.post(inner, """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",\
                "capabilities":{},"clientInfo":{"name":"stateless-client","version":"1.0"}}}
                """)
            #expect(initialize.reply?["result"] != nil)
            let sum = try await Self.post(inner, """
                {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":2}}}
                """, headers: ["MCP-Protocol-Version": "2025-06-18", "traceparent": Self.traceparent])
            #expect(sum.reply?["result"] != nil)
            await server.stop()
            await telltale.shutdown()
            let calls = try await collector.waitForCalls { $0.count >= 2 }
            let session = try #require(transport.sessionID)
            #expect(calls.map(\.method) == ["initialize", "tools/call"])
            #expect(calls.allSatisfy { $0.session == session && $0.transport == .http })
            #expect(calls[1].client == PeerInfo(name: "stateless-client", version: "1.0"))
            #expect(calls[1].trace?.traceId == "0af7651916cd43dd8448eb211c80319c")
        }
    }
}

/// The two HTTP server transports of swift-sdk, as a web framework hands them requests.
protocol HTTPHandling: Sendable {
    func handle(_ request: HTTPRequest) async -> HTTPResponse
}

extension StatefulHTTPServerTransport: HTTPHandling {
    func handle(_ request: HTTPRequest) async -> HTTPResponse { await handleRequest(request) }
}

extension StatelessHTTPServerTransport: HTTPHandling {
    func handle(_ request: HTTPRequest) async -> HTTPResponse { await handleRequest(request) }
}
