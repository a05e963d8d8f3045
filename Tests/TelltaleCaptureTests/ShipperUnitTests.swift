import Foundation
import NIOCore
import Testing
import TelltaleCore

@testable import TelltaleCapture

/// Pure parts of the shipper: backoff, Retry-After, wire format, answer classification, configuration.
@Suite("Shipper units")
struct ShipperUnitTests {
    @Test("backoff bounds double from the base up to the cap; delays stay within the bound")
    func backoffBounds() {
        var backoff = Backoff(base: .milliseconds(250), cap: .seconds(30))
        var generator = SystemRandomNumberGenerator()
        var bounds: [Duration] = []
        for _ in 0..<10 {
            let bound = backoff.currentBound
            bounds.append(bound)
            let delay = backoff.nextDelay(using: &generator)
            #expect(delay >= .zero && delay <= bound)
        }
        #expect(bounds.prefix(4) == [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2)])
        #expect(bounds.last == .seconds(30))
        backoff.reset()
        #expect(backoff.currentBound == .milliseconds(250))
    }

    @Test("full jitter spreads delays over the whole range")
    func backoffJitter() {
        var backoff = Backoff(base: .seconds(1), cap: .seconds(1))
        let delays = (0..<200).map { _ in backoff.nextDelay() }
        #expect(delays.contains { $0 < .milliseconds(250) })
        #expect(delays.contains { $0 > .milliseconds(750) })
    }

    @Test("Retry-After: delay-seconds and HTTP dates")
    func retryAfter() {
        let now = Date(timeIntervalSince1970: 1_795_601_613)  // 2026-11-25T10:13:33Z
        #expect(RetryAfter.parse("1", now: now) == .seconds(1))
        #expect(RetryAfter.parse(" 120 ", now: now) == .seconds(120))
        #expect(RetryAfter.parse("Wed, 25 Nov 2026 10:13:43 GMT", now: now) == .seconds(10))
        #expect(RetryAfter.parse("Wednesday, 25-Nov-26 10:13:38 GMT", now: now) == .seconds(5))
        #expect(RetryAfter.parse("Wed Nov 25 10:14:33 2026", now: now) == .seconds(60))
        #expect(RetryAfter.parse("Tue, 24 Nov 2026 10:13:33 GMT", now: now) == .zero)
        #expect(RetryAfter.parse("soon", now: now) == nil)
        #expect(RetryAfter.parse("-5", now: now) == nil)
    }

    @Test("NDJSON: one line per call, newline-terminated, decodable back to the same ids")
    func ndjson() throws {
        let calls = ShipperTestSupport.calls(3)
        let bytes = ShipperWireFormat.encode(calls)
        #expect(bytes.last == UInt8(ascii: "\n"))
        #expect(bytes.filter { $0 == UInt8(ascii: "\n") }.count == 3)
        #expect(try ShipperTestSupport.ndjsonIDs(bytes) == calls.map(\.id))
        let first = try #require(JSONSerialization.jsonObject(with: Data(bytes.prefix { $0 != UInt8(ascii: "\n") })) as? [String: Any])
        #expect(first["startedAt"] as? String == "2026-11-25T10:13:33.123456Z")
        let gzip = try ShipperWireFormat.gzip(bytes)
        #expect(try ShipperTestSupport.gunzip(gzip) == bytes)
    }

    @Test("answers: 2xx delivered, 408/429/5xx retried (with Retry-After), other 4xx refused")
    func classify() {
        func classify(_ code: Int, retryAfter: String? = nil, body: String = "") -> IngestResult {
            ShipperTransport.classify(statusCode: code, reasonPhrase: "Reason", retryAfter: retryAfter, body: ByteBuffer(string: body))
        }
        if case .acknowledged(let reply) = classify(200, body: #"{"accepted":3,"duplicates":1,"rejected":[{"line":2,"reason":"bad"}]}"#) {
            #expect(reply == IngestReply(accepted: 3, duplicates: 1, rejected: [.init(line: 2, reason: "bad")]))
        } else {
            Issue.record("200 not acknowledged")
        }
        for code in [408, 429, 500, 502, 503, 504] {
            guard case .retryable = classify(code) else {
                Issue.record("\(code) not retryable")
                continue
            }
        }
        if case .retryable(let reason, let after) = classify(429, retryAfter: "7", body: #"{"error":"slow down"}"#) {
            #expect(reason == "429 slow down")
            #expect(after == .seconds(7))
        } else {
            Issue.record("429 not retryable")
        }
        for code in [400, 401, 403, 404, 413, 415] {
            guard case .refused(let status, _) = classify(code) else {
                Issue.record("\(code) not refused")
                continue
            }
            #expect(status == code)
        }
        if case .refused(_, let message) = classify(401, body: #"{"error":"invalid API key"}"#) {
            #expect(message == "invalid API key")
        }
        if case .refused(_, let message) = classify(413, body: "") {
            #expect(message == "Reason")
        }
    }

    @Test("default spool folder: XDG_DATA_HOME, else ~/.local/share; one folder per endpoint")
    func spoolFolder() {
        #expect(ShipperConfiguration.defaultSpoolRoot(environment: ["XDG_DATA_HOME": "/data", "HOME": "/home/u"]).path == "/data/telltale/spool")
        #expect(ShipperConfiguration.defaultSpoolRoot(environment: ["HOME": "/home/u"]).path == "/home/u/.local/share/telltale/spool")
        #expect(ShipperConfiguration.defaultSpoolRoot(environment: ["XDG_DATA_HOME": "relative", "HOME": "/home/u"]).path == "/home/u/.local/share/telltale/spool")
        #expect(ShipperConfiguration.spoolFolderName(for: URL(string: "http://127.0.0.1:7340")!) == "127.0.0.1_7340")
        #expect(ShipperConfiguration.spoolFolderName(for: URL(string: "https://Collector.example.com/team/a")!) == "collector.example.com_443_team_a")
        let configuration = ShipperConfiguration(endpoint: URL(string: "http://127.0.0.1:7340/")!, apiKey: "k")
        #expect(configuration.ingestURL == "http://127.0.0.1:7340/api/v1/ingest")
        #expect(configuration.resolvedSpoolDirectory.lastPathComponent == "127.0.0.1_7340")
        #expect(configuration.maxBatchCalls == 500 && configuration.maxBatchBytes == 1 << 20)
        #expect(configuration.maxQueuedCalls == 10_000 && configuration.maxSpoolBytes == 256 << 20)
    }

    @Test("problems are reported once per kind; 'reachable again' only after 'unreachable'")
    func reporter() {
        let lines = ReportedLines()
        let reporter = ShipperReporter(sink: { lines.append($0) })
        reporter.report(.recovered, "collector reachable again")
        reporter.report(.unreachable, "down")
        reporter.report(.unreachable, "down again")
        reporter.report(.recovered, "collector reachable again")
        reporter.report(.recovered, "collector reachable again")
        #expect(lines.all == ["telltale: down", "telltale: collector reachable again"])
    }
}
