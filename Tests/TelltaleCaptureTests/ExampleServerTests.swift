import Foundation
import Testing

/// `telltale example-server` driven as a real process over stdin/stdout.
@Suite("example-server (process)")
struct ExampleServerTests {
    static var stateless: [String: Any] { [
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": [String: Any](),
        "io.modelcontextprotocol/clientInfo": ["name": "tests", "version": "0.0.1"],
    ] }

    static func result(_ response: [String: Any]) throws -> [String: Any] {
        try #require(response["result"] as? [String: Any], "expected a result in \(response)")
    }

    static func error(_ response: [String: Any]) throws -> (code: Int, message: String) {
        let error = try #require(response["error"] as? [String: Any], "expected an error in \(response)")
        return (try #require(error["code"] as? Int), try #require(error["message"] as? String))
    }

    static func text(_ result: [String: Any]) -> String {
        (result["content"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }.joined(separator: " ")
    }

    static func callTool(
        _ server: ExampleServerProcess, _ id: Int, _ name: String, _ arguments: [String: Any] = [:]
    ) async throws -> [String: Any] {
        try await server.request(id, "tools/call", ["name": name, "arguments": arguments])
    }

    @Test("initialize negotiates each handshake version and falls back to the latest")
    func legacyHandshake() async throws {
        let cases = [
            ("2024-11-05", "2024-11-05"), ("2025-03-26", "2025-03-26"), ("2025-06-18", "2025-06-18"),
            ("2025-11-25", "2025-11-25"), ("2099-01-01", "2025-11-25"),
        ]
        for (proposed, negotiated) in cases {
            let server = try ExampleServerProcess()
            let response = try await server.request(1, "initialize", [
                "protocolVersion": proposed, "capabilities": [String: Any](),
                "clientInfo": ["name": "tests", "version": "0.0.1"],
            ])
            let result = try Self.result(response)
            #expect(result["protocolVersion"] as? String == negotiated)
            let info = try #require(result["serverInfo"] as? [String: Any])
            #expect(info["name"] as? String == "telltale-example")
            #expect(info["version"] as? String == "1.0.0")
            let capabilities = try #require(result["capabilities"] as? [String: Any])
            #expect(Set(capabilities.keys) == ["tools", "prompts", "resources"])
            #expect(result["_meta"] == nil, "handshake-era results are not stamped")
            try server.notify("notifications/initialized")
            _ = try Self.result(try await server.request(2, "ping"))
            #expect(try await server.finish() == 0)
            #expect(server.messages().count == 2, "the notification got no reply")
        }
    }

    @Test("server/discover and stateless requests are answered with 2026-07-28 stamps")
    func statelessDiscover() async throws {
        let server = try ExampleServerProcess()
        let discover = try Self.result(try await server.request(1, "server/discover", ["_meta": Self.stateless]))
        #expect(discover["supportedVersions"] as? [String]
            == ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"])
        #expect((discover["serverInfo"] as? [String: Any])?["name"] as? String == "telltale-example")
        #expect(discover["capabilities"] is [String: Any])
        #expect(discover["resultType"] as? String == "complete")
        let stamp = (discover["_meta"] as? [String: Any])?["io.modelcontextprotocol/serverInfo"] as? [String: Any]
        #expect(stamp?["name"] as? String == "telltale-example")
        #expect(stamp?["version"] as? String == "1.0.0")

        let tools = try Self.result(try await server.request(2, "tools/list", ["_meta": Self.stateless]))
        #expect(tools["resultType"] as? String == "complete")
        #expect((tools["_meta"] as? [String: Any])?["io.modelcontextprotocol/serverInfo"] != nil)
        let call = try Self.result(try await server.request(3, "tools/call", [
            "name": "get_weather", "arguments": ["city": "Paris"], "_meta": Self.stateless,
        ]))
        #expect((call["_meta"] as? [String: Any])?["io.modelcontextprotocol/serverInfo"] != nil)
        #expect(call["isError"] as? Bool == false)

        let legacy = try Self.result(try await server.request(4, "tools/list"))
        #expect(legacy["_meta"] == nil && legacy["resultType"] == nil, "requests without _meta get plain results")

        var meta = Self.stateless
        meta["io.modelcontextprotocol/protocolVersion"] = "2099-12-31"
        let unsupported = try await server.request(5, "tools/list", ["_meta": meta])
        #expect(try Self.error(unsupported).code == -32022)
        let data = (unsupported["error"] as? [String: Any])?["data"] as? [String: Any]
        #expect((data?["supported"] as? [String])?.contains("2026-07-28") == true)
        #expect(data?["requested"] as? String == "2099-12-31")
    }

    @Test("tools/list describes six tools with input schemas; prompts and resources are listed")
    func listings() async throws {
        let server = try ExampleServerProcess()
        let tools = try #require(try Self.result(try await server.request(1, "tools/list"))["tools"] as? [[String: Any]])
        let names = tools.compactMap { $0["name"] as? String }
        #expect(Set(names) == ["get_weather", "search_docs", "create_ticket", "flaky_lookup", "slow_report", "explode"])
        for tool in tools {
            let schema = try #require(tool["inputSchema"] as? [String: Any])
            #expect(schema["type"] as? String == "object")
        }
        let weather = try #require(tools.first { $0["name"] as? String == "get_weather" })
        #expect((weather["inputSchema"] as? [String: Any])?["required"] as? [String] == ["city"])

        let prompts = try Self.result(try await server.request(2, "prompts/list"))["prompts"] as? [[String: Any]]
        #expect(prompts?.compactMap { $0["name"] as? String } == ["summarize_incident"])
        let resources = try Self.result(try await server.request(3, "resources/list"))["resources"] as? [[String: Any]]
        #expect(resources?.compactMap { $0["uri"] as? String }.contains("docs://runbook/database-failover") == true)
    }

    @Test("each tool's outcome: ok, tool error, JSON-RPC error")
    func toolOutcomes() async throws {
        let server = try ExampleServerProcess(arguments: ["--latency-scale", "0", "--fail-rate", "1"])
        let weather = try Self.result(try await Self.callTool(server, 1, "get_weather", ["city": "London"]))
        #expect(weather["isError"] as? Bool == false)
        #expect(Self.text(weather).contains("London"))
        #expect((weather["structuredContent"] as? [String: Any])?["city"] as? String == "London")

        let atlantis = try Self.result(try await Self.callTool(server, 2, "get_weather", ["city": "Atlantis"]))
        #expect(atlantis["isError"] as? Bool == true)
        #expect(Self.text(atlantis).contains("Unknown city: Atlantis"))

        let docs = try Self.result(try await Self.callTool(server, 3, "search_docs", ["query": "failover"]))
        #expect(docs["isError"] as? Bool == false)
        #expect(Self.text(docs).contains("docs://runbook/database-failover"))

        let ticket = try Self.result(try await Self.callTool(server, 4, "create_ticket", ["title": "Disk full", "priority": "high"]))
        #expect(ticket["isError"] as? Bool == false)
        #expect(Self.text(ticket).contains("(high): Disk full"))
        let untitled = try Self.result(try await Self.callTool(server, 5, "create_ticket", ["priority": "low"]))
        #expect(untitled["isError"] as? Bool == true)
        #expect(Self.text(untitled).contains("'title' is required"))

        let flaky = try Self.result(try await Self.callTool(server, 6, "flaky_lookup", ["id": "ord-1"]))
        #expect(flaky["isError"] as? Bool == true, "--fail-rate 1 always fails")
        #expect(Self.text(flaky).contains("timed out"))
        let malformed = try Self.result(try await Self.callTool(server, 7, "flaky_lookup", ["id": "ORD-1"]))
        #expect(Self.text(malformed).contains("Invalid id 'ORD-1'"))

        let report = try Self.result(try await Self.callTool(server, 8, "slow_report"))
        #expect(report["isError"] as? Bool == false)

        #expect(try Self.error(try await Self.callTool(server, 9, "explode")).code == -32603)
        let unknownTool = try Self.error(try await Self.callTool(server, 10, "delete_everything"))
        #expect(unknownTool.code == -32602)
        #expect(unknownTool.message == "Unknown tool: delete_everything")
        let unknownMethod = try Self.error(try await server.request(11, "sampling/doesNotExist"))
        #expect(unknownMethod.code == -32601)
        #expect(try await server.finish() == 0)
    }

    @Test("flaky_lookup succeeds when the fail rate is zero")
    func flakyLookupSucceeds() async throws {
        let server = try ExampleServerProcess(arguments: ["--latency-scale", "0", "--fail-rate", "0"])
        for id in 1...20 {
            let result = try Self.result(try await Self.callTool(server, id, "flaky_lookup", ["id": "ord-\(id)"]))
            #expect(result["isError"] as? Bool == false)
            #expect(Self.text(result).hasPrefix("Order ord-\(id):"))
        }
    }

    @Test("prompts/get and resources/read, with their errors in both generations")
    func promptsAndResources() async throws {
        let server = try ExampleServerProcess(arguments: ["--latency-scale", "0"])
        let prompt = try Self.result(try await server.request(1, "prompts/get", [
            "name": "summarize_incident", "arguments": ["incident_id": "INC-2041"],
        ]))
        let message = try #require((prompt["messages"] as? [[String: Any]])?.first)
        #expect(((message["content"] as? [String: Any])?["text"] as? String)?.contains("INC-2041") == true)
        #expect(try Self.error(try await server.request(2, "prompts/get", ["name": "summarize_incident"])).code == -32602)
        #expect(try Self.error(try await server.request(3, "prompts/get", ["name": "nope"])).message == "Unknown prompt: nope")

        let runbook = try Self.result(try await server.request(4, "resources/read", ["uri": "docs://runbook/deploy-rollback"]))
        let contents = try #require((runbook["contents"] as? [[String: Any]])?.first)
        #expect(contents["uri"] as? String == "docs://runbook/deploy-rollback")
        #expect((contents["text"] as? String)?.contains("rollback") == true)
        let missing = try Self.error(try await server.request(5, "resources/read", ["uri": "docs://runbook/nope"]))
        #expect(missing.code == -32002)
        let missingStateless = try Self.error(try await server.request(6, "resources/read", [
            "uri": "docs://runbook/nope", "_meta": Self.stateless,
        ]))
        #expect(missingStateless.code == -32602)
    }

    @Test("notifications/cancelled suppresses the reply; the server keeps serving")
    func cancellation() async throws {
        let server = try ExampleServerProcess()
        // Request and cancellation in one write: the server sees the cancellation while slow_report
        // (1.5 s) is in flight, however slowly this test process is scheduled.
        try server.sendRaw(
            #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"slow_report","arguments":{}}}"# + "\n"
                + #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"user aborted"}}"#
                + "\n")
        _ = try Self.result(try await server.request(8, "ping"))
        // At end of input the server waits for calls in flight, so an uncancelled slow_report would be answered.
        #expect(try await server.finish() == 0)
        let ids = server.messages().compactMap { $0["id"] as? Int }
        #expect(ids == [8], "no response for the cancelled request")
    }

    @Test("a slow call does not block a ping; closing stdin waits for calls in flight")
    func concurrency() async throws {
        let server = try ExampleServerProcess()
        let started = ContinuousClock.now
        try server.sendRaw(
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow_report","arguments":{}}}"# + "\n"
                + #"{"jsonrpc":"2.0","id":2,"method":"ping"}"# + "\n")
        _ = try Self.result(try await server.response(id: 2))
        #expect(try await server.finish() == 0)
        // Order on the wire is the server's doing: the ping sent after slow_report is answered first.
        let ids = server.messages().compactMap { $0["id"] as? Int }
        #expect(ids == [2, 1], "ping answered while slow_report ran; slow_report answered before exit")
        #expect(ContinuousClock.now - started >= .milliseconds(1400))
    }

    @Test("malformed input: parse error, invalid request, CRLF, blank lines, unterminated last line, string ids")
    func malformedInput() async throws {
        let server = try ExampleServerProcess()
        try server.sendRaw("this is not json\n\n   \n")
        try server.sendRaw("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"ping\"}\r\n")
        try server.sendRaw("[42]\n")
        try server.sendRaw(#"{"jsonrpc":"2.0","id":"tail","method":"ping"}"#)  // no newline before EOF
        #expect(try await server.finish() == 0)
        let messages = server.messages()
        try #require(messages.count == 4, "got \(messages)")
        #expect(messages.contains { $0["id"] as? String == "tail" })
        // Errors for unreadable lines are written at once; the ping is answered from its own task.
        let codes = messages.compactMap { ($0["error"] as? [String: Any])?["code"] as? Int }
        #expect(codes == [-32700, -32600])
        #expect(messages.filter { $0["error"] != nil }.allSatisfy { $0["id"] is NSNull })
        let ping = try #require(messages.first { $0["id"] as? String == "abc" })
        #expect(ping["result"] is [String: Any])
    }

    @Test("a 2025-03-26 batch gets every request answered and its notifications ignored")
    func batch() async throws {
        let server = try ExampleServerProcess(arguments: ["--latency-scale", "0"])
        try server.sendRaw(#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},"#
            + #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_weather","arguments":{"city":"Tokyo"}}}]"#
            + "\n")
        #expect(try await server.finish() == 0)
        let ids = Set(server.messages().compactMap { $0["id"] as? Int })
        #expect(ids == [1, 2])
        #expect(server.messages().count == 2)
    }

    @Test("--latency-scale 0 makes slow_report answer at once; large integer ids are echoed exactly")
    func latencyScale() async throws {
        let server = try ExampleServerProcess(arguments: ["--latency-scale", "0"])
        let id = 9_007_199_254_740_993
        let sent = ContinuousClock.now
        let report = try Self.result(try await Self.callTool(server, id, "slow_report"))
        #expect(report["isError"] as? Bool == false)
        // Timed by the reader thread, so a busy test process does not stretch it.
        let arrived = try #require(server.arrival(id: id))
        #expect(arrived - sent < .milliseconds(1000), "slow_report took \(arrived - sent) at --latency-scale 0")
    }

    @Test("a burst of 2,000 pipelined requests and a 4 MiB line are all answered")
    func burstAndLargeLine() async throws {
        let server = try ExampleServerProcess(arguments: ["--latency-scale", "0"])
        var burst = ""
        for id in 1...2000 { burst += #"{"jsonrpc":"2.0","id":\#(id),"method":"ping"}"# + "\n" }
        try server.sendRaw(burst)
        let padding = String(repeating: "x", count: 4 * 1024 * 1024)
        let weather = try Self.result(try await Self.callTool(server, 2001, "get_weather", ["city": "Tokyo", "note": padding]))
        #expect(Self.text(weather).hasPrefix("Tokyo:"))
        #expect(try await server.finish() == 0)
        let ids = server.messages().compactMap { $0["id"] as? Int }
        #expect(Set(ids) == Set(1...2001))
        #expect(ids.count == 2001)
    }

    @Test("invalid options are rejected")
    func invalidOptions() async throws {
        let server = try ExampleServerProcess(arguments: ["--fail-rate", "2"])
        #expect(try await server.finish() != 0)
    }
}
