import Foundation
import Testing
import TelltaleCore

@Suite struct CallCodecTests {
    static let full = Call(
        id: "0b5e0d6c-1f7a-4c53-9c1e-5d2f4f9a8e01",
        startedAt: Date(timeIntervalSince1970: 1_795_000_000.123456),
        durationNs: 1_234_567, kind: .request, direction: .toClient, method: "tools/call", target: "get \"time\"\n",
        outcome: .error, errorCode: -32602, errorMessage: "Unknown tool: ü", requestId: "\"r-1\"", session: "s-1",
        client: PeerInfo(name: "mcp", version: "0.1.0"), server: PeerInfo(name: "mcp-time"),
        protocolVersion: "2026-07-28", transport: .http, clientAddress: "127.0.0.1",
        trace: TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "a=b"),
        tags: ["env": "prod", "tenant": "acme"],
        request: .object(["name": .string("x"), "arguments": .object(["n": .number(1.5), "l": .array([.null, .bool(true)])])]),
        response: .object(["code": .number(-32602)]), requestBytes: 300, responseBytes: 80, pollutionLines: nil
    )

    private func sameExceptDate(_ a: Call, _ b: Call) -> Bool {
        var b = b
        guard abs(a.startedAt.timeIntervalSince(b.startedAt)) < 1e-6 else { return false }
        b.startedAt = a.startedAt
        return a == b
    }

    @Test func encodesOneLinePerCallWithMicrosecondUTCDates() throws {
        let minimal = Call(id: "c2", startedAt: Date(timeIntervalSince1970: 0), kind: .pollution, direction: .toClient,
                           method: "stdout", session: "s", pollutionLines: 3)
        let bytes = CallCodec.encode([Self.full, minimal])
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[2].isEmpty)
        let first = String(decoding: lines[0], as: UTF8.self)
        #expect(first.contains(#""startedAt":"2026-11-18T11:06:40.123456Z""#))
        #expect(String(decoding: lines[1], as: UTF8.self).contains(#""startedAt":"1970-01-01T00:00:00.000000Z""#))
        #expect(!String(decoding: lines[1], as: UTF8.self).contains("target"))
        let decoded = try lines[0..<2].map { line throws(CallDecodingError) in try CallCodec.decode(line: line) }
        #expect(sameExceptDate(Self.full, decoded[0]))
        #expect(decoded[1] == minimal)
    }

    @Test func foundationCodersAgreeWithTheFastCodec() throws {
        let fast = CallCodec.encode([Self.full]).dropLast()
        let viaFoundation = try CallCodec.makeDecoder().decode(Call.self, from: Data(fast))
        #expect(sameExceptDate(Self.full, viaFoundation))
        let foundationBytes = try CallCodec.makeEncoder().encode(Self.full)
        let viaFast = try CallCodec.decode(line: Array(foundationBytes))
        #expect(sameExceptDate(Self.full, viaFast))
        #expect(String(decoding: foundationBytes, as: UTF8.self).contains("2026-11-18T11:06:40.123456Z"))
    }

    @Test(arguments: [
        ("2026-11-25T10:13:33Z", 1_795_601_613.0),
        ("2026-11-25T10:13:33.5Z", 1_795_601_613.5),
        ("2026-11-25t10:13:33.123456789z", 1_795_601_613.123456789),
        ("2026-11-25T11:13:33.25+01:00", 1_795_601_613.25),
        ("2026-11-25T05:43:33-04:30", 1_795_601_613.0),
        ("2026-11-25 10:13:33.000001Z", 1_795_601_613.000001),
    ])
    func acceptsAnyRFC3339(text: String, seconds: Double) throws {
        let date = try #require(RFC3339.parse(text.utf8))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 1e-6)
    }

    @Test(arguments: ["2026-11-25", "2026-11-25T10:13:33", "2026-13-25T10:13:33Z", "2026-11-25T10:13:33.Z",
                      "2026-11-25T10:13:33+0100", "yesterday"])
    func rejectsMalformedDates(text: String) {
        #expect(RFC3339.parse(text.utf8) == nil)
    }

    @Test(arguments: [
        ("", nil, "empty line"),
        ("not json", nil, "not a JSON object"),
        (#"{"id":"a","startedAt":"2026-11-25T10:13:33Z","kind":"request","method":"m","outcome":"ok","session":"s""#, nil, "invalid JSON"),
        (#"{"startedAt":"2026-11-25T10:13:33Z","kind":"request","method":"m","outcome":"ok","session":"s"}"#, "id", "missing"),
        (#"{"id":"","startedAt":"2026-11-25T10:13:33Z","kind":"request","method":"m","outcome":"ok","session":"s"}"#, "id", "must not be empty"),
        (#"{"id":5,"startedAt":"2026-11-25T10:13:33Z","kind":"request","method":"m","outcome":"ok","session":"s"}"#, "id", "expected a string"),
        (#"{"id":"a","startedAt":"2026-11-25T10:13:33Z","kind":"request","method":"","outcome":"ok","session":"s"}"#, "method", "must not be empty"),
        (#"{"id":"a","startedAt":"soon","kind":"request","method":"m","outcome":"ok","session":"s"}"#, "startedAt", "not an RFC 3339"),
        (#"{"id":"a","startedAt":"2026-11-25T10:13:33Z","kind":"rpc","method":"m","outcome":"ok","session":"s"}"#, "kind", "unknown value \"rpc\""),
        (#"{"id":"a","startedAt":"2026-11-25T10:13:33Z","kind":"request","method":"m","outcome":"fine","session":"s"}"#, "outcome", "toolError"),
        (#"{"id":"a","startedAt":"2026-11-25T10:13:33Z","kind":"request","method":"m","outcome":"ok","session":"s","requestBytes":-1}"#, "requestBytes", "must be >= 0"),
        (#"{"id":"a","startedAt":"2026-11-25T10:13:33Z","kind":"request","method":"m","outcome":"ok","session":"s","durationNs":1.5}"#, "durationNs", "expected an integer"),
        (#"{"id":"a","startedAt":"2026-11-25T10:13:33Z","kind":"request","method":"m","outcome":"ok","session":"s","tags":{"a":1}}"#, "tags.a", "expected a string"),
        (#"{"id":"a","startedAt":"2026-11-25T10:13:33Z","kind":"request","method":"m","outcome":"ok","session":"s","client":{"version":"1"}}"#, "client.name", "missing"),
        (#"{"id":"a","startedAt":"2026-11-25T10:13:33Z","kind":"request","method":"m","outcome":"ok","session":"s","request":{"a":}}"#, "request", "invalid JSON"),
    ] as [(String, String?, String)])
    func rejectsBadLinesNamingTheField(line: String, field: String?, reason: String) {
        do {
            _ = try CallCodec.decode(line: Array(line.utf8))
            Issue.record("accepted: \(line)")
        } catch {
            #expect(error.field == field)
            #expect(error.description.contains(reason), "\(error.description)")
            if let field { #expect(error.description.contains("'\(field)'")) }
        }
    }

    @Test func defaultsOptionalFieldsAndIgnoresUnknownOnes() throws {
        let line = #"  {"id":"a","startedAt":"2026-11-25T10:13:33Z","kind":"notification","method":"notifications/progress","outcome":"ok","session":"s","future":{"x":[1,2]},"target":null}"# + "\r"
        let call = try CallCodec.decode(line: Array(line.utf8))
        #expect(call.direction == .toServer)
        #expect(call.transport == .stdio)
        #expect(call.tags.isEmpty)
        #expect(call.durationNs == 0 && call.requestBytes == 0 && call.responseBytes == 0)
        #expect(call.target == nil)
    }
}

@Suite struct CallCodecBatchTests {
    @Test func keepsGoodLinesAndReportsBadOnesByIndex() {
        var body = CallCodec.encode([CallCodecTests.full])
        body += Array("\n{\"id\":\"x\"}\r\n".utf8)
        body += CallCodec.encode([CallCodecTests.full])
        body += Array("garbage".utf8)
        let batch = CallCodec.decodeLines(body)
        #expect(batch.calls.count == 2)
        #expect(batch.rejections.map(\.index) == [2, 4])
        #expect(batch.rejections.first?.error.field == "startedAt")
        #expect(batch.rejections.first?.description == "line 2: field 'startedAt': missing")
        #expect(batch.rejections.last?.error.reason == "not a JSON object")
        #expect(CallCodec.decodeLines([]).calls.isEmpty)
    }
}
