import Foundation
import Testing
import TelltaleCore

@testable import TelltaleCapture

/// The shipper against a real HTTP collector on 127.0.0.1: batching, wire format, retries, refusals.
@Suite("Shipper delivery")
struct ShipperDeliveryTests {
    typealias Support = ShipperTestSupport

    @Test("a batch goes out as soon as maxBatchCalls calls are queued; the rest waits")
    func batchesByCount() async throws {
        let collector = try await ShipperTestCollector.start()
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        let lines = ReportedLines()
        let shipper = Shipper(configuration: Support.configuration(
            port: collector.port, spool: spool, lines: lines, maxBatchCalls: 10, maxBatchDelay: .seconds(60)
        ))
        for call in Support.calls(25) { shipper.submit([call]) }

        #expect(await Support.eventually { collector.requests.count == 2 })
        try await Task.sleep(for: .milliseconds(400))
        #expect(collector.requests.map(\.lines.count) == [10, 10])
        #expect(shipper.stats.queueDepth == 5)

        await shipper.flush(timeout: .seconds(5))
        #expect(collector.requests.map(\.lines.count) == [10, 10, 5])
        #expect(collector.ingested.count == 25)
        #expect(shipper.stats.sent == 25)
        #expect(shipper.stats.batchesSent == 3)
        await shipper.shutdown()
        await collector.stop()
        #expect(lines.all.isEmpty)
    }

    @Test("a partial batch goes out after maxBatchDelay without a flush")
    func batchesByTime() async throws {
        let collector = try await ShipperTestCollector.start()
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        let shipper = Shipper(configuration: Support.configuration(
            port: collector.port, spool: spool, lines: ReportedLines(), maxBatchDelay: .milliseconds(400)
        ))
        let start = ContinuousClock.now
        shipper.submit(Support.calls(3))
        #expect(await Support.eventually(timeout: .seconds(5)) { collector.requests.count == 1 })
        let request = try #require(collector.requests.first)
        let waited = request.receivedAt - start
        #expect(waited >= .milliseconds(350), "sent after \(waited), before the batch delay")
        #expect(waited < .seconds(5), "sent after \(waited)")
        #expect(request.lines.count == 3)
        await shipper.shutdown()
        await collector.stop()
    }

    @Test("POST /api/v1/ingest, bearer key, x-ndjson, gzip body, RFC 3339 microsecond dates")
    func wireFormat() async throws {
        let collector = try await ShipperTestCollector.start()
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        var configuration = Support.configuration(port: collector.port, spool: spool, lines: ReportedLines(), apiKey: "tt_ingest_abc")
        configuration.endpoint = URL(string: "http://127.0.0.1:\(collector.port)/")!
        let shipper = Shipper(configuration: configuration)
        let calls = Support.calls(2)
        shipper.submit(calls)
        await shipper.flush(timeout: .seconds(5))

        let request = try #require(collector.requests.first)
        #expect(request.method == "POST")
        #expect(request.uri == "/api/v1/ingest")
        #expect(request.headers["authorization"] == "Bearer tt_ingest_abc")
        #expect(request.headers["content-type"] == "application/x-ndjson")
        #expect(request.headers["content-encoding"] == "gzip")
        #expect(Array(request.rawBody.prefix(2)) == [0x1f, 0x8b])
        #expect(request.ids == calls.map(\.id))
        let first = try #require(
            JSONSerialization.jsonObject(with: Data(request.lines[0].utf8)) as? [String: Any]
        )
        #expect(first["startedAt"] as? String == "2026-11-25T10:13:33.123456Z")
        #expect(first["method"] as? String == "tools/call")
        #expect(first["target"] as? String == "echo")
        #expect(first["durationNs"] as? Int == 1_500_000)
        #expect((first["client"] as? [String: Any])?["name"] as? String == "test-client")
        await shipper.shutdown()
        await collector.stop()
    }

    @Test("503 twice, then 200: retried with backoff, delivered once")
    func retriesServerErrors() async throws {
        let collector = try await ShipperTestCollector.start { index in
            index < 2 ? .status(503, body: #"{"error":"database is busy"}"#) : .accept
        }
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        let lines = ReportedLines()
        let shipper = Shipper(configuration: Support.configuration(port: collector.port, spool: spool, lines: lines))
        let calls = Support.calls(5)
        shipper.submit(calls)

        #expect(await Support.eventually { collector.ingested.count == 5 })
        #expect(await Support.eventually { shipper.stats.sent == 5 })
        #expect(collector.requests.count == 3)
        #expect(collector.ingested.values.allSatisfy { $0 == 1 })
        let stats = shipper.stats
        #expect(stats.retries == 2)
        #expect(stats.sent == 5)
        #expect(stats.dropped == 0)
        #expect(lines.count(containing: "503 database is busy") == 1)
        #expect(await Support.eventually { lines.count(containing: "collector reachable again") == 1 })
        #expect(lines.all.count == 2, "\(lines.all)")
        await shipper.shutdown()
        await collector.stop()
    }

    @Test("429 with Retry-After: 1 waits a second, although the backoff would retry sooner")
    func honoursRetryAfter() async throws {
        let collector = try await ShipperTestCollector.start { index in
            index == 0 ? .status(429, headers: ["Retry-After": "1"]) : .accept
        }
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        let shipper = Shipper(configuration: Support.configuration(
            port: collector.port, spool: spool, lines: ReportedLines(), initialBackoff: .milliseconds(10), maxBackoff: .seconds(30)
        ))
        shipper.submit(Support.calls(4))
        #expect(await Support.eventually { collector.requests.count == 2 })
        let requests = collector.requests
        let gap = requests[1].receivedAt - requests[0].receivedAt
        #expect(gap >= .milliseconds(950), "retried after \(gap)")
        // Retry-After, not a longer wait (loose for a loaded CI machine; the backoff alone would retry in ~10 ms).
        #expect(gap < .seconds(8), "retried after \(gap)")
        #expect(collector.ingested.count == 4)
        #expect(shipper.stats.retries == 1)
        await shipper.shutdown()
        await collector.stop()
    }

    @Test("401 is not retried: batches are dropped, counted, and said once")
    func unauthorizedIsNotRetried() async throws {
        let collector = try await ShipperTestCollector.start { _ in
            .status(401, headers: ["Content-Type": "application/json"], body: #"{"error":"invalid API key"}"#)
        }
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        let lines = ReportedLines()
        let shipper = Shipper(configuration: Support.configuration(
            port: collector.port, spool: spool, lines: lines, apiKey: "wrong", initialBackoff: .milliseconds(10)
        ))
        shipper.submit(Support.calls(3))
        #expect(await Support.eventually { collector.requests.count == 1 })
        try await Task.sleep(for: .milliseconds(500))
        #expect(collector.requests.count == 1, "a refused batch was sent again")

        shipper.submit(Support.calls(2))
        #expect(await Support.eventually { collector.requests.count == 2 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(collector.requests.count == 2)

        #expect(await Support.eventually { shipper.stats.dropped == 5 })
        let stats = shipper.stats
        #expect(stats.dropped == 5)
        #expect(stats.retries == 0)
        #expect(stats.spooled == 0)
        #expect(stats.sent == 0)
        #expect(lines.all == ["telltale: collector rejected calls: 401 invalid API key — calls are not being recorded"])
        await shipper.shutdown()
        #expect(Support.spooledCalls(in: spool) == 0)
        await collector.stop()
    }

    @Test("lines the collector rejects in a 200 answer are counted and said once")
    func rejectedLines() async throws {
        let collector = try await ShipperTestCollector.start { _ in
            .status(200, body: #"{"accepted":2,"duplicates":0,"rejected":[{"line":1,"reason":"missing field method"}]}"#)
        }
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        let lines = ReportedLines()
        let shipper = Shipper(configuration: Support.configuration(port: collector.port, spool: spool, lines: lines))
        shipper.submit(Support.calls(3))
        await shipper.flush(timeout: .seconds(5))
        shipper.submit(Support.calls(3))
        await shipper.flush(timeout: .seconds(5))
        let stats = shipper.stats
        #expect(stats.rejected == 2)
        #expect(stats.sent == 4)
        #expect(lines.all == ["telltale: collector rejected 1 of 3 calls in a batch (line 1: missing field method)"])
        await shipper.shutdown()
        await collector.stop()
    }
}

extension ShipperDeliveryTests {
    @Test("a batch never exceeds maxBatchBytes of NDJSON (a bigger single call goes alone)")
    func batchesByBytes() async throws {
        let collector = try await ShipperTestCollector.start()
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        var configuration = Support.configuration(port: collector.port, spool: spool, lines: ReportedLines())
        configuration.maxBatchBytes = 2_000
        let shipper = Shipper(configuration: configuration)
        shipper.submit(Support.calls(6, payloadBytes: 600) + Support.calls(1, prefix: "big", payloadBytes: 5_000))
        await shipper.flush(timeout: .seconds(5))
        let requests = collector.requests
        #expect(requests.map(\.lines.count) == [2, 2, 2, 1])
        for request in requests.dropLast() {
            #expect(request.lines.reduce(0) { $0 + $1.utf8.count + 1 } <= 2_000)
        }
        #expect(collector.ingested.count == 7)
        await shipper.shutdown()
        await collector.stop()
    }
}

extension ShipperDeliveryTests {
    @Test("about maxBatchBytes of queued calls wake the loop before the batch delay")
    func byteTrigger() async throws {
        let collector = try await ShipperTestCollector.start()
        let spool = Support.temporarySpool()
        defer { Support.removeSpool(spool) }
        var configuration = Support.configuration(
            port: collector.port, spool: spool, lines: ReportedLines(), maxBatchDelay: .seconds(60)
        )
        configuration.maxBatchBytes = 20_000
        let shipper = Shipper(configuration: configuration)
        for call in Support.calls(4, payloadBytes: 6_000) { shipper.submit([call]) }
        #expect(await Support.eventually(timeout: .seconds(5)) { collector.ingested.count == 4 })
        #expect(collector.requests.map(\.lines.count) == [3, 1])
        await shipper.shutdown()
        await collector.stop()
    }
}
