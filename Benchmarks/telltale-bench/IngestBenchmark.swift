import ArgumentParser
import AsyncHTTPClient
import CompressNIO
import Foundation
import Synchronization
import NIOCore
import TelltaleCore
import TelltaleStore

/// `telltale-bench ingest`: Call records per second over HTTP into SQLite, next to raw SQLite inserts.
///
/// Each round generates the same realistic calls, then (a) inserts them straight into a fresh
/// `SQLiteCallStore` in batches, and (b) POSTs them as gzip NDJSON batches to a fresh `telltale serve`
/// process on loopback, timing until every batch is acknowledged (i.e. committed). Rounds alternate
/// the order of (a) and (b); medians are reported.
struct IngestBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Ingest rate over HTTP (batches of N, gzip NDJSON) next to raw SQLite inserts of the same rows."
    )

    @Option(help: "Path of the telltale executable (default: next to this benchmark).")
    var telltale: String?

    @Option(help: "Calls per round.")
    var calls = 200_000

    @Option(help: "Calls per batch (one HTTP request, one transaction).")
    var batch = 1_000

    @Option(help: "Measured rounds.")
    var rounds = 3

    @Option(help: "Concurrent HTTP uploaders.")
    var concurrency = 4

    @Flag(name: .customLong("no-gzip"), help: "Send plain NDJSON instead of gzip.")
    var noGzip = false

    func run() async throws {
        let wrapper = try RelayBenchmark.locateTelltale(telltale)
        print("telltale-bench ingest: \(wrapper)")
        print("\(calls) calls per round in batches of \(batch), \(rounds) rounds, \(concurrency) uploaders, "
            + (noGzip ? "plain NDJSON" : "gzip NDJSON"))

        let generated = IngestWorkload.calls(count: calls)
        let batches = stride(from: 0, to: generated.count, by: batch).map {
            Array(generated[$0..<min($0 + batch, generated.count)])
        }
        let ndjson = batches.map(CallCodec.encode)
        let bodies = try ndjson.map { try IngestWorkload.body(ndjson: $0, gzip: !noGzip) }
        let rawBytes = ndjson.reduce(0) { $0 + $1.count }
        let wireBytes = bodies.reduce(0) { $0 + $1.readableBytes }
        print("payload: \(rawBytes / calls) bytes per call as NDJSON, \(wireBytes >> 10) KiB on the wire per round\n")

        var rawRates: [Double] = []
        var httpRates: [Double] = []
        for round in 0..<rounds {
            let order = round % 2 == 0 ? [true, false] : [false, true]
            for raw in order {
                if raw {
                    let rate = try await Self.rawInsertRate(batches: batches)
                    rawRates.append(rate)
                    print("round \(round + 1): raw SQLite insert  \(Self.format(rate)) calls/s")
                } else {
                    let rate = try await Self.httpRate(
                        telltale: wrapper, bodies: bodies, calls: calls, concurrency: concurrency)
                    httpRates.append(rate)
                    print("round \(round + 1): HTTP ingest        \(Self.format(rate)) calls/s")
                }
            }
        }
        let raw = Self.median(rawRates)
        let http = Self.median(httpRates)
        print("""

        median raw SQLite insert (SQLiteCallStore.insert, same rows): \(Self.format(raw)) calls/s
        median HTTP ingest (telltale serve, acknowledged = committed): \(Self.format(http)) calls/s   (target ≥ 100k/s)
        HTTP / raw: \(String(format: "%.2f", http / raw))
        """)
    }

    /// Inserts every batch into a fresh store, as the server does after decoding.
    static func rawInsertRate(batches: [[Call]]) async throws -> Double {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteCallStore(directory: directory)
        guard let project = try await store.projects().first?.id else { throw BenchmarkError("no default project") }
        let start = ContinuousClock.now
        var inserted = 0
        for batch in batches {
            inserted += try store.insertSync(batch, project: project)
        }
        let seconds = (ContinuousClock.now - start).seconds
        let total = batches.reduce(0) { $0 + $1.count }
        guard inserted == total else { throw BenchmarkError("raw insert stored \(inserted) of \(total) calls") }
        return Double(total) / seconds
    }

    /// Starts `telltale serve` on a fresh data directory and uploads every body, `concurrency` at a time.
    static func httpRate(telltale: String, bodies: [ByteBuffer], calls: Int, concurrency: Int) async throws -> Double {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = try IngestServerProcess.createKey(telltale: telltale, data: directory, scope: "ingest")
        let server = try await IngestServerProcess.start(telltale: telltale, data: directory)
        defer { server.stop() }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let url = "http://127.0.0.1:\(server.port)/api/v1/ingest"
        let next = Counter()
        let start = ContinuousClock.now
        let accepted = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var accepted = 0
                    while let index = next.take(below: bodies.count) {
                        accepted += try await upload(client: client, url: url, key: key, body: bodies[index])
                    }
                    return accepted
                }
            }
            return try await group.reduce(0, +)
        }
        let seconds = (ContinuousClock.now - start).seconds
        try await client.shutdown()
        guard accepted == calls else { throw BenchmarkError("server accepted \(accepted) of \(calls) calls") }
        return Double(calls) / seconds
    }

    static func upload(client: HTTPClient, url: String, key: String, body: ByteBuffer) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: "application/x-ndjson")
        if body.getInteger(at: body.readerIndex, as: UInt8.self) == 0x1f {
            request.headers.add(name: "Content-Encoding", value: "gzip")
        }
        request.body = .bytes(body)
        let response = try await client.execute(request, timeout: .seconds(60))
        let reply = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else {
            throw BenchmarkError("ingest answered \(response.status): \(String(buffer: reply))")
        }
        let decoded = try JSONDecoder().decode(IngestReply.self, from: Data(reply.readableBytesView))
        guard decoded.rejected.isEmpty else {
            throw BenchmarkError("ingest rejected lines: \(decoded.rejected.prefix(3))")
        }
        return decoded.accepted
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("telltale-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2]
            : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func format(_ rate: Double) -> String {
        String(format: "%9.0f", rate)
    }
}

/// The part of the ingest reply the benchmark checks.
private struct IngestReply: Decodable {
    struct Rejection: Decodable { var line: Int; var reason: String }
    var accepted: Int
    var rejected: [Rejection]
}

/// Hands out batch indexes to concurrent uploaders.
private final class Counter: Sendable {
    private let value = Mutex(0)
    func take(below limit: Int) -> Int? {
        value.withLock { value in
            guard value < limit else { return nil }
            defer { value += 1 }
            return value
        }
    }
}

/// A benchmark that could not measure what it set out to.
struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
