import ArgumentParser
import Foundation
import TelltaleCore
import TelltaleStore

/// `telltale-bench fill-store`: a store of realistic traffic (``StoreTraffic``) for query and page timings.
struct FillStore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fill-store",
        abstract: "Fill a data directory with realistic MCP traffic (deterministic), for store-queries and page timings."
    )

    @Option(help: "Data directory (created; must not hold a store yet).")
    var data: String

    @Option(help: "About how many records to generate.")
    var calls = 10_000_000

    @Option(help: "Days of traffic, ending at --end.")
    var days = 7.0

    @Option(help: "End of the traffic, epoch seconds (default: now, to the minute).")
    var end: Int64?

    @Option(help: "Records per insert transaction.")
    var batch = 20_000

    func run() async throws {
        let directory = URL(fileURLWithPath: data)
        let file = directory.appendingPathComponent(SQLiteCallStore.fileName)
        guard !FileManager.default.fileExists(atPath: file.path) else {
            throw BenchmarkError("\(file.path) exists already: choose an empty data directory")
        }
        let endSeconds = end ?? Int64(Date().timeIntervalSince1970) / 60 * 60
        let endMicros = endSeconds * 1_000_000
        let startMicros = endMicros - Int64(days * 86_400 * 1e6)
        let store = try SQLiteCallStore(directory: directory, durability: .normal)
        let project = try await store.projects()[0].id
        print("telltale-bench fill-store: \(file.path)")
        print("about \(calls) records over \(days) days ending \(Date(timeIntervalSince1970: Double(endSeconds))), batches of \(batch)")

        // Generation runs one batch ahead of the inserts.
        let (batches, continuation) = AsyncStream.makeStream(of: [Call].self, bufferingPolicy: .bufferingOldest(2))
        let generator = Task.detached { [calls, batch] in
            var traffic = StoreTraffic(calls: calls, start: startMicros, end: endMicros)
            while true {
                let next = traffic.next(batch)
                if next.isEmpty { break }
                while case .dropped = continuation.yield(next) { try? await Task.sleep(for: .milliseconds(5)) }
            }
            continuation.finish()
        }
        let clock = ContinuousClock()
        let began = clock.now
        var total = 0
        var lastReport = began
        for await next in batches {
            total += try await store.insert(next, project: project)
            if clock.now - lastReport > .seconds(10) {
                lastReport = clock.now
                let elapsed = (clock.now - began).seconds
                let reached = next.last.map { ISO8601DateFormatter().string(from: $0.startedAt) } ?? "-"
                print("  \(total) records, \(Int(Double(total) / elapsed)) records/s, at \(reached)")
            }
        }
        await generator.value
        let elapsed = (clock.now - began).seconds
        let meta = StoreMeta(project: project, from: startMicros, to: endMicros, records: total)
        try JSONEncoder().encode(meta).write(to: directory.appendingPathComponent(StoreMeta.fileName))
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        print(String(format: "done: %d records in %.1f s, %.0f records/s; database %.2f GB", total, elapsed,
                     Double(total) / elapsed, Double(size) / 1e9))
    }
}

/// What `fill-store` wrote, for `store-queries` and the page timings (`fill-store.json` in the data directory).
struct StoreMeta: Codable {
    static let fileName = "fill-store.json"
    var project: ProjectID
    /// Range of the traffic, microseconds since 1970.
    var from: Int64
    var to: Int64
    var records: Int
}
