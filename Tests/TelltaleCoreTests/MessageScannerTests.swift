import Testing
import TelltaleCore

@Suite struct MessageScannerTests {
    private func message(_ line: String, truncated: Bool = false) throws -> MCPMessage {
        guard case .message(let message) = MessageScanner.scan(Array(line.utf8), truncated: truncated) else {
            Issue.record("not a message: \(line)")
            throw CancellationError()
        }
        return message
    }

    private func slice(_ line: String, _ range: Range<Int>?) -> String? {
        range.map { String(decoding: Array(line.utf8)[$0], as: UTF8.self) }
    }

    @Test func modernDiscoverRequestCarriesIdentityInMeta() throws {
        let line = Fixtures.modern[0].1
        let scanned = try message(line)
        #expect(scanned.kind == .request)
        #expect(scanned.id == "1")
        #expect(scanned.method == "server/discover")
        #expect(scanned.clientInfo == PeerInfo(name: "mcp", version: "0.1.0"))
        #expect(scanned.protocolVersion == "2026-07-28")
        #expect(slice(line, scanned.params)?.hasPrefix(#"{"_meta":"#) == true)
    }

    @Test func modernDiscoverResultCarriesServerInfoAndVersions() throws {
        let scanned = try message(Fixtures.modern[1].1)
        #expect(scanned.kind == .response)
        #expect(scanned.serverInfo == PeerInfo(name: "mcp-time", version: "2026.10.19"))
        #expect(scanned.supportedVersions == ["2026-07-28"])
        #expect(!scanned.isError)
    }

    @Test func toolsCallTargetTraceAndParamsRange() throws {
        let line = Fixtures.modern[4].1
        let scanned = try message(line)
        #expect(scanned.method == "tools/call")
        #expect(scanned.target == "get_current_time")
        #expect(scanned.traceparent == Fixtures.traceparent)
        #expect(scanned.tracestate == "vendor=1")
        #expect(slice(line, scanned.params)?.hasPrefix(#"{"name":"get_current_time","arguments":{"timezone":"Europe/Berlin"}"#) == true)
    }

    @Test func toolErrorTextFromFirstTextContent() throws {
        let scanned = try message(Fixtures.modern[7].1)
        #expect(scanned.isError)
        #expect(scanned.toolErrorText == "Error executing tool convert_time: Invalid timezone: 'No time zone found with key Nowhere/Bad'")
        // type after text, and a non-text item first
        let other = try message(#"{"jsonrpc":"2.0","id":9,"result":{"isError":true,"content":[{"type":"image","data":"x"},{"text":"boom \"q\"","type":"text"}]}}"#)
        #expect(other.toolErrorText == "boom \"q\"")
    }

    @Test func jsonRPCErrorCodeAndMessage() throws {
        let line = Fixtures.modern[9].1
        let scanned = try message(line)
        #expect(scanned.kind == .errorResponse)
        #expect(scanned.id == "5")
        #expect(scanned.errorCode == -32602)
        #expect(scanned.errorMessage == "Unknown tool: no_such_tool")
        #expect(slice(line, scanned.error) == #"{"code":-32602,"message":"Unknown tool: no_such_tool"}"#)
    }

    @Test func legacyInitializeAndResult() throws {
        let request = try message(Fixtures.legacy[0].1)
        #expect(request.method == "initialize")
        #expect(request.clientInfo == PeerInfo(name: "mcp", version: "0.1.0"))
        #expect(request.protocolVersion == "2025-11-25")
        let result = try message(Fixtures.legacy[1].1)
        #expect(result.serverInfo == PeerInfo(name: "mcp-time", version: "2026.10.19"))
        #expect(result.protocolVersion == "2025-11-25")
        let initialized = try message(Fixtures.legacy[2].1)
        #expect(initialized.kind == .notification)
        #expect(initialized.method == "notifications/initialized")
        #expect(initialized.id == nil)
    }

    @Test func targetsOfPromptsAndResourcesAndStringIds() throws {
        let prompt = try message(#"{"jsonrpc":"2.0","id":"p-1","method":"prompts/get","params":{"name":"review","arguments":{}}}"#)
        #expect(prompt.target == "review")
        #expect(prompt.id == "\"p-1\"")
        let resource = try message(#"{"params":{"uri":"file:///etc/hosts"},"method":"resources/read","id":3,"jsonrpc":"2.0"}"#)
        #expect(resource.target == "file:///etc/hosts")
        let list = try message(#"{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"name":"not a target"}}"#)
        #expect(list.target == nil)
    }

    @Test func cancelledNotification() throws {
        let scanned = try message(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"abc","reason":"user gave up"}}"#)
        #expect(scanned.kind == .notification)
        #expect(scanned.cancelledRequestId == "\"abc\"")
        #expect(scanned.cancelReason == "user gave up")
    }

    @Test func escapedKeysAndValuesAreDecoded() throws {
        let scanned = try message(#"{"jsonrpc":"2.0","id":1,"\u006dethod":"tools\/call","params":{"name":"caf\u00e9 \ud83d\ude00"}}"#)
        #expect(scanned.method == "tools/call")
        #expect(scanned.target == "café 😀")
    }

    @Test func batchesHaveEveryElement() {
        let line = #"[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","method":"notifications/initialized"}, 42 ,{"jsonrpc":"2.0","id":2,"result":{}}]"#
        guard case .batch(let messages) = MessageScanner.scan(Array(line.utf8)) else {
            Issue.record("not a batch")
            return
        }
        #expect(messages.map(\.kind) == [.request, .notification, .response])
    }

    @Test func notJSONRPCAndEmpty() {
        for line in ["Starting server on stdio...", "INFO: ready", "{\"level\":\"info\",\"msg\":\"hi\"}", "42", "\"text\"",
                     "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"", "{\"id\":1,\"result\":{}} trailing", "{]", "[1,2"] {
            #expect(MessageScanner.scan(Array(line.utf8)) == .notJSONRPC, "\(line)")
        }
        #expect(MessageScanner.scan(Array("   \t ".utf8)) == .empty)
    }

    @Test func truncatedHeadStillYieldsWhatItHolds() throws {
        let full = #"{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"upload","_meta":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},"arguments":{"blob":"AAAAAAAAAAAAAAAA"#
        #expect(MessageScanner.scan(Array(full.utf8)) == .notJSONRPC)
        let scanned = try message(full, truncated: true)
        #expect(scanned.kind == .request)
        #expect(scanned.complete == false)
        #expect(scanned.target == "upload")
        #expect(scanned.traceparent != nil)
        let response = try message(#"{"jsonrpc":"2.0","id":12,"result":{"isError":true,"content":[{"type":"text","text":"too big"}],"structuredContent":{"x":"AAAA"#, truncated: true)
        #expect(response.kind == .response)
        #expect(response.toolErrorText == "too big")
    }

    @Test func randomGarbageNeverCrashesOrHangs() {
        var rng = SplitMix64(seed: 42)
        let alphabet = Array(#"{}[]":,\ 0123456789-+.eEtrufalsn"#.utf8) + [0x00, 0xFF, 0xC3, 0x0A]
        let seeds = Fixtures.modern.map { Array($0.1.utf8) } + Fixtures.legacy.map { Array($0.1.utf8) }
        var classified = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            switch round % 3 {
            case 0:
                bytes = (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            case 1:
                bytes = (0..<Int(rng.next() % 200)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            default:
                bytes = seeds[Int(rng.next() % UInt64(seeds.count))]
                for _ in 0..<(1 + rng.next() % 4) where !bytes.isEmpty {
                    bytes[Int(rng.next() % UInt64(bytes.count))] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                }
                bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))))
            }
            for truncated in [false, true] {
                if case .message = MessageScanner.scan(bytes, truncated: truncated) { classified += 1 }
            }
        }
        #expect(classified > 0)
        // Deep nesting is skipped iteratively, not recursively.
        let deep = Array(repeating: UInt8(ascii: "["), count: 1_000_000)
        #expect(MessageScanner.scan(deep) == .notJSONRPC)
        let deepParams = Array(#"{"jsonrpc":"2.0","id":1,"method":"m","params":"#.utf8) + Array(repeating: UInt8(ascii: "["), count: 100_000)
            + Array(repeating: UInt8(ascii: "]"), count: 100_000) + [UInt8(ascii: "}")]
        if case .message(let message) = MessageScanner.scan(deepParams) {
            #expect(message.method == "m")
        } else {
            Issue.record("deeply nested params not scanned")
        }
    }
}
