import Foundation
import Testing
import TelltaleCore

@Suite struct SSEParserTests {
    /// A legacy HTTP+SSE stream as the official Python `mcp` 2.3.0 server wrote it (CRLF lines).
    static let recordedStream = Array((
        "event: endpoint\r\ndata: /messages/?session_id=c8cf936329ba495d8341f82283478882\r\n\r\n"
        + "event: message\r\ndata: " + HTTPFixtures.legacyInitializeResult + "\r\n\r\n"
        + ": ping - 2026-11-25 14:59:43.123456+00:00\r\n\r\n"
        + "event: message\r\ndata: " + HTTPFixtures.legacyProgress + "\r\n\r\n"
    ).utf8)

    private func parse(_ chunks: [[UInt8]], maxEventBytes: Int = 1 << 20) -> ([SSEEvent], SSEParser) {
        var parser = SSEParser(maxEventBytes: maxEventBytes)
        var events: [SSEEvent] = []
        for chunk in chunks { events += parser.events(in: chunk) }
        return (events, parser)
    }

    private func parse(_ text: String) -> [SSEEvent] {
        parse([Array(text.utf8)]).0
    }

    @Test func recordedStreamGivesItsThreeEvents() {
        let (events, _) = parse([Self.recordedStream])
        #expect(events.map(\.type) == ["endpoint", "message", "message"])
        #expect(events[0].text == "/messages/?session_id=c8cf936329ba495d8341f82283478882")
        #expect(events[1].text == HTTPFixtures.legacyInitializeResult)
        #expect(events[2].text == HTTPFixtures.legacyProgress)
        #expect(events.allSatisfy { !$0.truncated && $0.id.isEmpty })
    }

    @Test func splittingAtEveryBytePositionChangesNothing() {
        let whole = parse([Self.recordedStream]).0
        for cut in 0...Self.recordedStream.count {
            let chunks = [Array(Self.recordedStream[..<cut]), Array(Self.recordedStream[cut...])]
            #expect(parse(chunks).0 == whole, "cut at \(cut)")
        }
        let byteByByte = parse(Self.recordedStream.map { [$0] }).0
        #expect(byteByByte == whole)
    }

    @Test func everyLineEndingAndSplitsBetweenCRAndLF() {
        let body = "event: a\(0)data: one\(0)data: two\(0)\(0)id: 7\(0)data: three\(0)\(0)"
        var expected: [SSEEvent]?
        for ending in ["\r\n", "\n", "\r"] {
            let text = body.replacingOccurrences(of: "\(0)", with: ending)
            let bytes = Array(text.utf8)
            for cut in 0...bytes.count {
                let events = parse([Array(bytes[..<cut]), Array(bytes[cut...])]).0
                #expect(events.count == 2, "ending \(Array(ending.utf8)) cut \(cut)")
                if let expected { #expect(events == expected) } else { expected = events }
            }
        }
        #expect(expected?.map(\.type) == ["a", "message"])
        #expect(expected?.map(\.text) == ["one\ntwo", "three"])
        #expect(expected?.map(\.id) == ["", "7"])
    }

    @Test func mixedLineEndingsInOneStream() {
        let events = parse("data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r")
        #expect(events.map(\.text) == ["a\nb\nc", "d"])
    }

    @Test func fieldRulesOfTheStandard() {
        let events = parse("""
        : a comment line
        data:no space
        data:  two spaces
        data
        retry: 1000
        unknown: x

        event: only-type

        id: 42
        data: x

        data: y

        id: bad\u{0}id
        data: z

        id
        data: w


        """)
        #expect(events.map(\.text) == ["no space\n two spaces\n", "x", "y", "z", "w"])
        // An event with no data is not dispatched, and its type does not leak into the next one.
        #expect(events.map(\.type) == ["message", "message", "message", "message", "message"])
        // The id persists across events; a value with NUL is ignored; an empty `id` clears it.
        #expect(events.map(\.id) == ["", "42", "42", "42", ""])
    }

    @Test func emptyDataFieldDispatchesAnEmptyEvent() {
        #expect(parse("data:\n\n").map(\.text) == [""])
        #expect(parse("data\n\n").count == 1)
        #expect(parse("event: x\n\n").isEmpty)
    }

    @Test func byteOrderMarkAtTheStartOnlyIsSkipped() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let body = Array("data: a\n\n".utf8)
        for cut in 0...4 {
            let bytes = bom + body
            let events = parse([Array(bytes[..<cut]), Array(bytes[cut...])]).0
            #expect(events.map(\.text) == ["a"], "cut \(cut)")
        }
        // A BOM later in the stream is content: it makes the field name unknown.
        #expect(parse([body + bom + body]).0.map(\.text) == ["a"])
        // A partial BOM is content too.
        #expect(parse([[0xEF] + Array("data: b\n\n".utf8)]).0.isEmpty)
        #expect(parse([Array("data: \u{FEFF}c\n\n".utf8)]).0.map(\.text) == ["\u{FEFF}c"])
    }

    @Test func anUnterminatedEventAtTheEndIsNotDispatched() {
        #expect(parse("data: a\n\ndata: b\n").map(\.text) == ["a"])
        #expect(parse("data: a").isEmpty)
    }

    @Test func anEventOverTheCapKeepsItsHeadAndIsCounted() {
        let big = String(repeating: "x", count: 5000)
        let text = "data: \(big)\ndata: \(big)\n\ndata: small\n\n"
        let bytes = Array(text.utf8)
        let (events, parser) = parse(stride(from: 0, to: bytes.count, by: 333).map { Array(bytes[$0..<min($0 + 333, bytes.count)]) },
                                     maxEventBytes: 1000)
        #expect(events.count == 2)
        #expect(events[0].data.count == 1000)
        #expect(events[0].dataByteCount == 10_001)
        #expect(events[0].truncated)
        #expect(events[1].text == "small")
        #expect(!events[1].truncated)
        #expect(parser.oversizedEvents == 1)
    }

    @Test func longFieldNamesAndValuesStayBounded() {
        let longName = String(repeating: "n", count: 10_000)
        let longType = String(repeating: "t", count: 5000)
        let events = parse("\(longName): v\nevent: \(longType)\ndata: ok\n\n")
        #expect(events.count == 1)
        #expect(events[0].type.utf8.count == SSEParser.maxFieldBytes)
        #expect(events[0].text == "ok")
    }
}
