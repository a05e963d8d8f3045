/// The Markdown report of `telltale-bench http-proxy`: medians over rounds, added latency, throughput.
enum HTTPProxyReport {
    /// One target and reply kind: each round's percentiles, in nanoseconds.
    struct Latency {
        var target: String
        var sse: Bool
        var p50: [Double]
        var p95: [Double]
        var p99: [Double]
    }

    /// One target and reply kind: its wrk runs.
    struct Throughput {
        var target: String
        var sse: Bool
        var runs: [WrkRun]
    }

    static let latencyTarget = 1.5
    static let throughputTarget = 5000.0

    static func markdown(latency: [Latency], throughput: [Throughput], capture: String?) -> String {
        var lines: [String] = []
        lines.append("| reply | target | p50 µs | p95 µs | p99 µs | **added p50** | added p95 | added p99 |")
        lines.append("|---|---|---|---|---|---|---|---|")
        var verdicts: [String] = []
        for sse in [false, true] {
            let kind = sse ? "SSE" : "JSON"
            let rows = latency.filter { $0.sse == sse }
            guard let direct = rows.first(where: { $0.target == "direct" }) else { continue }
            var added: [String: Double] = [:]
            for row in rows {
                let cells = [row.p50, row.p95, row.p99].map { micros(median($0)) }
                var addedCells = ["", "", ""]
                if row.target != "direct" {
                    let differences = [(row.p50, direct.p50), (row.p95, direct.p95), (row.p99, direct.p99)].map { pair in
                        median(zip(pair.0, pair.1).map { $0 - $1 })
                    }
                    added[row.target] = differences[0]
                    addedCells = differences.map { micros($0) }
                    addedCells[0] = "**\(addedCells[0])**"
                }
                lines.append("| \(kind) | \(row.target) | " + (cells + addedCells).joined(separator: " | ") + " |")
            }
            if let telltale = added["telltale"], let nginx = added["nginx"],
               let telltaleRow = rows.first(where: { $0.target == "telltale" }),
               let nginxRow = rows.first(where: { $0.target == "nginx" }) {
                let ratio = telltale / nginx
                let pass = ratio <= latencyTarget
                // The same ratio round by round, to show how much it moves with the machine's load.
                let perRound = zip(zip(telltaleRow.p50, nginxRow.p50), direct.p50).map { pair, direct in
                    (pair.0 - direct) / (pair.1 - direct)
                }.sorted()
                let quartiles = [0.25, 0.5, 0.75].map { perRound[Int(($0 * Double(perRound.count - 1)).rounded())] }
                verdicts.append("\(kind): telltale adds \(micros(telltale)) µs at p50, nginx \(micros(nginx)) µs → "
                    + "**\(format(ratio, decimals: 2))×** (target ≤ \(latencyTarget)×) \(pass ? "✔" : "✘"); "
                    + "the ratio round by round: quartiles " + quartiles.map { format($0, decimals: 2) }.joined(separator: " / ")
                    + ", ≤ \(latencyTarget)× in \(perRound.filter { $0 <= latencyTarget }.count) of \(perRound.count) rounds")
            }
        }
        lines.append("")
        lines.append("Medians over rounds of each round's percentile; added = proxied − direct in the same round.")
        lines.append(contentsOf: verdicts.map { "- " + $0 })

        if !throughput.isEmpty {
            lines.append("")
            lines.append("| reply | target | **req/s (median)** | runs | wrk p50 | wrk p99 | CPU µs/req: proxy | collector | upstream "
                + "| non-2xx / socket errors |")
            lines.append("|---|---|---|---|---|---|---|---|---|---|")
            for entry in throughput where !entry.runs.isEmpty {
                let rates = entry.runs.map(\.requestsPerSecond)
                let middle = entry.runs.sorted { $0.requestsPerSecond < $1.requestsPerSecond }[entry.runs.count / 2]
                let errors = "\(entry.runs.reduce(0) { $0 + $1.non2xx }) / \(entry.runs.reduce(0) { $0 + $1.socketErrors })"
                lines.append("| \(entry.sse ? "SSE" : "JSON") | \(entry.target) | **\(format(median(rates), decimals: 0))** | "
                    + rates.map { format($0, decimals: 0) }.joined(separator: ", ")
                    + " | \(middle.p50) | \(middle.p99) | "
                    + [\.proxyCPU, \.collectorCPU, \.upstreamCPU].map { cpuPerRequest(entry.runs, $0) }.joined(separator: " | ")
                    + " | \(errors) |")
            }
            for entry in throughput where entry.target == "telltale" && !entry.runs.isEmpty {
                let rate = median(entry.runs.map(\.requestsPerSecond))
                lines.append("- \(entry.sse ? "SSE" : "JSON"): telltale proxy \(format(rate, decimals: 0)) req/s "
                    + "(target ≥ \(Int(throughputTarget))) \(rate >= throughputTarget ? "✔" : "✘")")
            }
        }
        if let capture {
            lines.append("")
            lines.append("Capture: \(capture)")
        }
        return lines.joined(separator: "\n")
    }

    /// Median over runs of CPU seconds per request, in µs ("—" when not measured).
    static func cpuPerRequest(_ runs: [WrkRun], _ field: KeyPath<WrkRun, Double>) -> String {
        let values = runs.filter { $0[keyPath: field].isFinite && $0.requests > 0 }
            .map { $0[keyPath: field] / Double($0.requests) * 1e6 }
        return values.isEmpty ? "—" : format(median(values), decimals: 1)
    }

    static func median(_ values: [Double]) -> Double {
        IngestBenchmark.median(values)
    }

    static func micros(_ nanoseconds: Double) -> String {
        LatencySamples.micros(nanoseconds)
    }

    static func format(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "—" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        guard decimals > 0 else { return String(scaled) }
        let whole = scaled / Int(scale)
        let fraction = String(abs(scaled) % Int(scale))
        return "\(whole).\(String(repeating: "0", count: decimals - fraction.count))\(fraction)"
    }
}
