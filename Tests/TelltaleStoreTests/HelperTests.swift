import Foundation
import Testing
import TelltaleCore
import TelltaleStore

@Suite("Percentiles and JSON text")
struct HelperTests {
    @Test("nearest rank on known data")
    func nearestRank() {
        var hundred = (1...100).reversed().map { Int64($0) * 1_000_000 }
        #expect(Percentiles.latency(sortingInPlace: &hundred) == LatencyStats(p50Ms: 50, p95Ms: 95, p99Ms: 99))
        var four: [Int64] = [40, 10, 30, 20].map { $0 * 1_000_000 }
        #expect(Percentiles.latency(sortingInPlace: &four) == LatencyStats(p50Ms: 20, p95Ms: 40, p99Ms: 40))
        var one: [Int64] = [1_500_000]
        #expect(Percentiles.latency(sortingInPlace: &one) == LatencyStats(p50Ms: 1.5, p95Ms: 1.5, p99Ms: 1.5))
        var none: [Int64] = []
        #expect(Percentiles.latency(sortingInPlace: &none) == LatencyStats())
        #expect(Percentiles.nearestRank(1, of: [5, 6, 7]) == 5)
        #expect(Percentiles.nearestRank(100, of: [5, 6, 7]) == 7)
    }

    @Test("JSON text: compact, escaped, integral numbers without fraction, decodable")
    func jsonText() throws {
        let value: JSONValue = .object([
            "b": .array([.number(1), .number(-2.5), .number(1e21), .bool(true), .null]),
            "a": .string("quote \" backslash \\ newline \n tab \t bell \u{07} é 😀"),
        ])
        let text = JSONText.encode(value)
        #expect(text.contains(#""a":"quote \" backslash \\ newline \n tab \t bell \u0007 é 😀""#))
        #expect(text.contains(#""b":[1,-2.5,1e+21,true,null]"#))
        #expect(text.count == #"{"a":"quote \" backslash \\ newline \n tab \t bell \u0007 é 😀","b":[1,-2.5,1e+21,true,null]}"#.count)
        #expect(try JSONText.decodeValue(text) == value)
        #expect(JSONText.encode(.object(["k": .array([])])) == #"{"k":[]}"#)
        #expect(JSONText.encode(.number(.nan)) == "null")
        #expect(JSONText.encode(tags: [:]) == nil)
        #expect(JSONText.encode(tags: ["z": "1", "a": "x\"y"]) == #"{"a":"x\"y","z":"1"}"#)
        #expect(try JSONText.decodeTags(JSONText.encode(tags: ["k\\": "v\n"])) == ["k\\": "v\n"])
        #expect(try JSONText.decodeTags(nil) == [:])
    }
}
