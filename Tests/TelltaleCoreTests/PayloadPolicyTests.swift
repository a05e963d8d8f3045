import Testing
import TelltaleCore

@Suite struct PayloadPolicyTests {
    @Test func capturesRedactedParams() {
        let bytes = Array(#"{"name":"get_current_time","arguments":{"timezone":"Europe/Berlin","token":"s3cr3t"}}"#.utf8)
        let value = PayloadPolicy().payload(bytes)
        #expect(value == .object([
            "name": .string("get_current_time"),
            "arguments": .object(["timezone": .string("Europe/Berlin"), "token": .string("[REDACTED]")]),
        ]))
    }

    @Test func captureOffYieldsNil() {
        #expect(PayloadPolicy.off.payload(Array("{}".utf8)) == nil)
        #expect(PayloadPolicy(capture: false).payload(Array(#"{"a":1}"#.utf8)) == nil)
    }

    @Test func overTheCapStoresAMarkerWithARedactedValidPreview() throws {
        // A secret near the start, then multi-byte text well over 16 KiB.
        let filler = String(repeating: "é日本", count: 6000)
        let json = #"{"arguments":{"password":"hunter2","text":"\#(filler)"}}"#
        let bytes = Array(json.utf8)
        let value = try #require(PayloadPolicy().payload(bytes))
        guard case .object(let marker) = value, case .string(let preview)? = marker["preview"] else {
            Issue.record("no marker: \(value)")
            return
        }
        #expect(marker["$truncated"] == .bool(true))
        #expect(marker["originalBytes"] == .number(Double(bytes.count)))
        #expect(preview.utf8.count <= PayloadPolicy.defaultMaxBytes)
        #expect(preview.utf8.count > PayloadPolicy.defaultMaxBytes / 2)
        #expect(preview.hasPrefix(#"{"arguments":{"password":"[REDACTED]","text":"é日本"#))
        #expect(!preview.contains("hunter2"))
        #expect(!preview.contains("\u{FFFD}"))
    }

    @Test func customCapAndCutInsideASecretStillRedacts() throws {
        let policy = PayloadPolicy(maxBytes: 200)
        let json = #"{"a":"\#(String(repeating: "x", count: 300))","secret":"tops"}"#
        let value = try #require(policy.payload(Array(json.utf8)))
        #expect(!value.jsonText.contains("tops"))
        // The head of a cut payload (truncated line): cut in the middle of a secret value.
        let head = Array(#"{"b":1,"api_key":"abcdefgh"#.utf8)
        let cut = try #require(head.withUnsafeBytes { PayloadPolicy().payload($0, complete: false, originalBytes: 1 << 25) })
        #expect(!cut.jsonText.contains("abcdefgh"))
        #expect(cut.jsonText.contains("33554432"))
    }

    @Test func parserRoundTripsAndRejectsGarbage() throws {
        let text = #"{"a":[1,2.5,-3e2,true,false,null,"s\n\"q\""],"b":{}}"#
        let value = try JSONValue(parsing: Array(text.utf8))
        #expect(try JSONValue(parsing: Array(value.jsonText.utf8)) == value)
        #expect(value.jsonText == #"{"a":[1,2.5,-300,true,false,null,"s\n\"q\""],"b":{}}"#)
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "tru", "1 2", "{\"a\":1,}"] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONValue(parsing: Array(bad.utf8)) }
        }
        let deep = Array(repeating: UInt8(ascii: "["), count: 10_000) + Array(repeating: UInt8(ascii: "]"), count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
    }
}
