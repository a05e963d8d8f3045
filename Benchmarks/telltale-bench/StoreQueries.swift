import ArgumentParser
import Foundation
import TelltaleCore
import TelltaleStore

/// `telltale-bench store-queries`: the time of each store method a dashboard page calls, on a filled store.
struct StoreQueries: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-queries",
        abstract: "Time every dashboard store query over 1h, 24h and 7d ranges ending at the data's end (median, p95)."
    )

    @Option(help: "Data directory filled by fill-store.")
    var data: String

    @Option(help: "Timed runs of each query (after one warm-up run).")
    var rounds = 20

    @Option(name: .customLong("tag"), help: "Tag filter key:value applied to every query (repeatable).")
    var tags: [String] = []

    @Option(help: "Client filter applied to every query.")
    var client: String?

    @Option(help: "Tool filter applied to every query.")
    var tool: String?

    @Option(help: "Only the methods whose name contains this text.")
    var only: String?

    func run() async throws {
        let directory = URL(fileURLWithPath: data)
        let meta = try JSONDecoder().decode(StoreMeta.self, from: Data(contentsOf: directory.appendingPathComponent(StoreMeta.fileName)))
        let store = try SQLiteCallStore(directory: directory)
        var tagFilter: [String: String] = [:]
        for tag in tags {
            let parts = tag.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw BenchmarkError("--tag wants key:value, got \(tag)") }
            tagFilter[parts[0]] = parts[1]
        }
        let to = Date(timeIntervalSince1970: Double(meta.to) / 1e6)
        print("telltale-bench store-queries: \(meta.records) records, data ends \(to), \(rounds) rounds"
            + (tagFilter.isEmpty && client == nil && tool == nil ? "" : ", filters: tags \(tagFilter) client \(client ?? "-") tool \(tool ?? "-")"))
        print("")
        print("method".padding(toLength: 34, withPad: " ", startingAt: 0)
            + ["1h", "24h", "7d"].map { "\($0) p50 / p95 ms".leftPadded(22) }.joined())
        let ranges: [(TimeInterval, Int)] = [(3600, 60), (86_400, 900), (7 * 86_400, 3600)]
        for (name, method) in Self.methods where only.map(name.contains) ?? true {
            var cells: [String] = []
            for (length, bucket) in ranges {
                let query = CallQuery(project: meta.project, from: to.addingTimeInterval(-length), to: to,
                                      client: client, tool: tool, tags: tagFilter)
                _ = try await method(store, query, bucket)
                var times: [Double] = []
                for _ in 0..<rounds {
                    let began = ContinuousClock.now
                    let rows = try await method(store, query, bucket)
                    times.append((ContinuousClock.now - began).seconds * 1000)
                    precondition(rows >= 0)
                }
                times.sort()
                let p50 = times[(times.count - 1) / 2]
                let p95 = times[min(times.count - 1, Int((Double(times.count) * 0.95).rounded(.up)) - 1)]
                cells.append(String(format: "%.1f / %.1f", p50, p95).leftPadded(22))
            }
            print(name.padding(toLength: 34, withPad: " ", startingAt: 0) + cells.joined())
        }
    }

    typealias Method = @Sendable (SQLiteCallStore, CallQuery, Int) async throws -> Int

    /// Each method with the arguments the dashboard uses; returns a row count (so nothing is optimized away).
    static let methods: [(String, Method)] = [
        ("summary", { store, q, _ in try await store.summary(q).calls }),
        ("targets(tool)", { store, q, _ in try await store.targets(.tool, q).count }),
        ("clients", { store, q, _ in try await store.clients(q).count }),
        ("servers", { store, q, _ in try await store.servers(q).count }),
        ("timeseries", { store, q, bucket in try await store.timeseries(q, bucketSeconds: bucket).count }),
        ("breakdown tool×client×version", { store, q, _ in
            try await store.breakdown(q, by: [.method, .target, .client, .clientVersion], bucketSeconds: nil, latency: false).count
        }),
        ("breakdown tool×bucket", { store, q, bucket in
            try await store.breakdown(q, by: [.method, .target, .bucket], bucketSeconds: bucket, latency: false).count
        }),
        ("sessions(recent, 50)", { store, q, _ in try await store.sessions(q, order: .recent, limit: 50).count }),
        ("sessions(errors, 10)", { store, q, _ in try await store.sessions(q, order: .errors, limit: 10).count }),
        ("sessionErrorCounts", { store, q, _ in try await store.sessionErrorCounts(q).sessions }),
    ]
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
