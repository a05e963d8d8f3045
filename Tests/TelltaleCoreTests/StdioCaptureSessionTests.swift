import Foundation
import Testing
import TelltaleCore

@Suite struct StdioCaptureSessionTests {
    @Test func bothGenerationsFromRawStreamsSplitAtEveryPoint() {
        for flow in [Fixtures.modern, Fixtures.legacy] {
            let client = Fixtures.bytes(flow, from: .client)
            let server = Fixtures.bytes(flow, from: .server)
            let expected: [String] = {
                var session = StdioCaptureSession(sessionID: "x", options: CaptureOptions())
                return session.play(flow).map(\.method)
            }()
            #expect(expected.contains("tools/call"))
            for split in stride(from: 0, through: min(client.count, server.count), by: 7) {
                var session = StdioCaptureSession(sessionID: "x", options: CaptureOptions())
                var calls: [Call] = []
                calls += session.feed(bytes: Array(client[..<split]), from: .client, at: Fixtures.instant(0))
                calls += session.feed(bytes: Array(client[split...]), from: .client, at: Fixtures.instant(1))
                calls += session.feed(bytes: Array(server[..<split]), from: .server, at: Fixtures.instant(2))
                calls += session.feed(bytes: Array(server[split...]), from: .server, at: Fixtures.instant(3))
                calls += session.finish(at: Fixtures.instant(4))
                #expect(calls.filter { $0.kind != .pollution }.map(\.method).sorted() == expected.sorted(), "split \(split)")
                #expect(calls.allSatisfy { $0.outcome != .noResponse })
                #expect(session.serverPollutionLines == 0)
            }
        }
    }

    @Test func crlfAndEmptyLinesAreNotPollution() {
        var session = StdioCaptureSession(options: CaptureOptions())
        var calls = session.feed(bytes: Array("\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}\r\n\n".utf8), from: .client, at: Fixtures.instant(0))
        calls += session.feed(bytes: Array("\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}\r\n".utf8), from: .server, at: Fixtures.instant(1))
        calls += session.tick(at: Fixtures.instant(2))
        #expect(calls.map(\.method) == ["tools/list"])
        #expect(calls.first?.requestBytes == #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.utf8.count)
        #expect(session.serverPollutionLines == 0 && session.clientPollutionLines == 0)
    }

    @Test func nonJSONServerLinesBecomeOnePollutionRecordPerTick() throws {
        var session = StdioCaptureSession(sessionID: "p", options: CaptureOptions(tags: ["env": "ci"]))
        var calls = session.feed("Starting time server (debug)…", from: .server, at: Fixtures.instant(0))
        calls += session.feed("loaded 3 tools", from: .server, at: Fixtures.instant(1))
        calls += session.play(Fixtures.legacy)
        calls += session.feed("{\"level\":\"info\"}", from: .server, at: Fixtures.instant(50))
        #expect(calls.allSatisfy { $0.kind != .pollution })
        calls = session.tick(at: Fixtures.instant(60))
        #expect(calls.count == 1)
        let record = try #require(calls.first)
        #expect(record.kind == .pollution)
        #expect(record.method == "stdout")
        #expect(record.direction == .toClient)
        #expect(record.pollutionLines == 3)
        #expect(record.request == .string("Starting time server (debug)…"))
        #expect(record.requestBytes == "Starting time server (debug)…".utf8.count + 14 + 16)
        #expect(record.startedAt == Fixtures.instant(0).wall)
        #expect(record.session == "p")
        #expect(record.tags == ["env": "ci"])
        #expect(record.server == PeerInfo(name: "mcp-time", version: "2026.10.19"))
        #expect(session.tick(at: Fixtures.instant(70)).isEmpty)
        _ = session.feed("again", from: .server, at: Fixtures.instant(80))
        _ = session.feed("stdin junk", from: .client, at: Fixtures.instant(80))
        let final = session.finish(at: Fixtures.instant(90))
        #expect(final.map(\.method).sorted() == ["stdin", "stdout"])
        #expect(final.allSatisfy { $0.pollutionLines == 1 })
        #expect(session.serverPollutionLines == 4)
        #expect(session.clientPollutionLines == 1)
    }

    @Test func pollutionPreviewIsCappedAndOffWithPayloads() {
        var session = StdioCaptureSession(options: CaptureOptions())
        _ = session.feed(String(repeating: "ü", count: 5000), from: .server, at: Fixtures.instant(0))
        let record = session.tick(at: Fixtures.instant(1)).first
        guard case .string(let preview)? = record?.request else {
            Issue.record("no preview")
            return
        }
        #expect(preview.utf8.count <= StdioCaptureSession.pollutionPreviewBytes)
        #expect(preview.utf8.count >= StdioCaptureSession.pollutionPreviewBytes - 1)
        #expect(!preview.contains("\u{FFFD}"))
        var quiet = StdioCaptureSession(options: CaptureOptions(payloads: .off))
        _ = quiet.feed("log line", from: .server, at: Fixtures.instant(0))
        let off = quiet.tick(at: Fixtures.instant(1))
        #expect(off.first?.pollutionLines == 1)
        #expect(off.first?.request == nil)
    }

    @Test func finishFlushesAnUnterminatedLineAndClosesOpenRequests() {
        var session = StdioCaptureSession(options: CaptureOptions())
        var calls = session.feed(Fixtures.modern[4].1, from: .client, at: Fixtures.instant(0))
        calls += session.feed(#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"open"}}"#, from: .client, at: Fixtures.instant(1))
        // The server's last response has no trailing newline.
        calls += session.feed(bytes: Array(Fixtures.modern[5].1.utf8), from: .server, at: Fixtures.instant(5))
        #expect(calls.isEmpty)
        calls = session.finish(at: Fixtures.instant(10))
        #expect(calls.map(\.outcome) == [.ok, .noResponse])
        #expect(calls.last?.target == "open")
        #expect(calls.last?.errorMessage == "connection closed")
        #expect(calls.last?.durationNs == 9_000_000)
    }

    @Test func tickRecordsTimeouts() {
        var session = StdioCaptureSession(options: CaptureOptions(requestTimeout: .milliseconds(500)))
        _ = session.feed(Fixtures.modern[4].1, from: .client, at: Fixtures.instant(0))
        #expect(session.tick(at: Fixtures.instant(499)).isEmpty)
        let calls = session.tick(at: Fixtures.instant(500))
        #expect(calls.first?.outcome == .noResponse)
        #expect(calls.first?.errorMessage == "no response within 0.5 s")
        #expect(session.feed(Fixtures.modern[5].1, from: .server, at: Fixtures.instant(600)).isEmpty)
    }

    @Test func aHugeResponseLineIsRecordedWithACappedPayload() throws {
        var session = StdioCaptureSession(options: CaptureOptions(maxLineBytes: 1 << 20))
        _ = session.feed(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"dump"}}"#, from: .client, at: Fixtures.instant(0))
        let head = Array(#"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":""#.utf8)
        var calls = session.feed(bytes: head, from: .server, at: Fixtures.instant(1))
        let chunk = [UInt8](repeating: UInt8(ascii: "z"), count: 1 << 20)
        for _ in 0..<3 { calls += session.feed(bytes: chunk, from: .server, at: Fixtures.instant(2)) }
        calls += session.feed(bytes: Array("\"}]}}\n".utf8), from: .server, at: Fixtures.instant(3))
        let call = try #require(calls.first)
        #expect(call.outcome == .ok)
        #expect(call.responseBytes == head.count + 3 << 20 + 5)
        guard case .object(let marker)? = call.response else {
            Issue.record("no marker")
            return
        }
        #expect(marker["$truncated"] == .bool(true))
        #expect(session.serverPollutionLines == 0)
    }

    @Test func survivesRandomBytesInRandomChunksFromBothSides() {
        var rng = SplitMix64(seed: 99)
        let real = Fixtures.modern.map { Array(($0.1 + "\n").utf8) }
        var session = StdioCaptureSession(options: CaptureOptions(requestTimeout: .milliseconds(5), maxLineBytes: 4096))
        var produced = 0
        for round in 0..<3_000 {
            var chunk: [UInt8]
            if round % 4 == 0 {
                chunk = real[Int(rng.next() % UInt64(real.count))]
                if !chunk.isEmpty { chunk[Int(rng.next() % UInt64(chunk.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                let symbols = Array(#"{}[]":,\ 0123456789"#.utf8) + [0x0A, 0x0D, 0xFF]
                chunk = (0..<Int(rng.next() % 300)).map { _ in
                    rng.next() % 2 == 0 ? symbols[Int(rng.next() % UInt64(symbols.count))] : UInt8(truncatingIfNeeded: rng.next())
                }
            }
            let source: MessageSource = rng.next() % 2 == 0 ? .client : .server
            produced += session.feed(bytes: chunk, from: source, at: Fixtures.instant(UInt64(round))).count
            if round % 100 == 0 { produced += session.tick(at: Fixtures.instant(UInt64(round))).count }
        }
        produced += session.finish(at: Fixtures.instant(10_000)).count
        #expect(produced > 0)
        #expect(session.tracker.openRequests == 0)
        #expect(session.serverPollutionLines + session.clientPollutionLines > 0)
    }
}
