import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `telltale-bench http-proxy`: what `telltale proxy` adds to an HTTP MCP server, next to nginx.
///
/// One run starts a fast MCP-like upstream (SwiftNIO, in this process), nginx as a plain reverse proxy
/// (`proxy_buffering off`, keep-alive upstream) and `telltale proxy` shipping its captured calls to a real
/// `telltale serve`, all on loopback and alive for the whole run. Latency: sequential `tools/call` POSTs on
/// one keep-alive connection per target and reply kind (JSON, SSE), targets alternating round by round;
/// the medians over rounds of each round's percentiles are reported, with "added" = proxied − direct.
/// Throughput: `wrk` with many connections against each target, rounds alternating targets too. At the end
/// the collector is asked how many calls it stored.
struct HTTPProxyBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http-proxy",
        abstract: "Latency added and throughput of `telltale proxy` (capture on) next to nginx, JSON and SSE replies."
    )

    @Option(help: "Path of the telltale executable (default: next to this benchmark).")
    var telltale: String?

    @Option(help: "Path of nginx.")
    var nginx = "/usr/sbin/nginx"

    @Option(help: "Path of wrk.")
    var wrk = "/usr/bin/wrk"

    @Option(help: "Targets to measure, comma-separated, among direct, nginx, telltale (direct is always measured).")
    var targets = "direct,nginx,telltale"

    @Option(help: "Latency rounds (targets alternate within each round, in a rotating order).")
    var rounds = 30

    @Option(help: "Sequential round trips per target, reply kind and round.")
    var requests = 1000

    @Option(help: "Warm-up round trips per target and reply kind (not measured).")
    var warmup = 1000

    @Option(name: .customLong("body-bytes"), help: "Size of each request body (the JSON reply is about as large).")
    var bodyBytes = 300

    @Option(name: .customLong("throughput-rounds"), help: "wrk rounds per target and reply kind (0 skips throughput).")
    var throughputRounds = 3

    @Option(help: "Seconds per wrk run.")
    var duration = 10

    @Option(help: "wrk connections.")
    var connections = 64

    @Option(name: .customLong("wrk-threads"), help: "wrk threads.")
    var wrkThreads = 2

    @Option(name: .customLong("upstream-threads"), help: "Event loops of the upstream server.")
    var upstreamThreads = 2

    @Option(name: .customLong("nginx-workers"), help: "nginx worker_processes.")
    var nginxWorkers = "2"

    @Option(name: .customLong("proxy-option"), parsing: .unconditionalSingleValue,
            help: "An extra option for `telltale proxy` (repeatable), after --endpoint and --api-key.")
    var proxyOptions: [String] = []

    @Flag(name: .customLong("no-capture"), help: "Run `telltale proxy` without an API key (relay only, no collector).")
    var noCapture = false

    @Flag(help: "Keep the temporary directory (configuration, logs, collector data) and print its path.")
    var keep = false

    func validate() throws {
        let known: Set = ["direct", "nginx", "telltale"]
        for target in targetList where !known.contains(target) {
            throw ValidationError("unknown target '\(target)': expected direct, nginx or telltale")
        }
        guard rounds > 0, requests > 0, warmup >= 0, duration > 0, connections > 0, wrkThreads > 0 else {
            throw ValidationError("rounds, requests, duration, connections and wrk threads must be positive")
        }
    }

    /// The targets in order, `direct` first.
    var targetList: [String] {
        let named = targets.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return ["direct"] + ["nginx", "telltale"].filter(named.contains) + named.filter { !["direct", "nginx", "telltale"].contains($0) }
    }

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let names = targetList
        let directory = try IngestBenchmark.temporaryDirectory()
        defer {
            if keep { print("\ntemporary directory kept: \(directory.path)") } else { try? FileManager.default.removeItem(at: directory) }
        }
        let upstream = try await MCPUpstreamServer.start(threads: upstreamThreads)
        var session = HTTPProxySession(upstream: upstream)
        do {
            try await session.start(names: names, benchmark: self, directory: directory)
            try await measure(session: &session)
        } catch {
            await session.stop()
            throw error
        }
        await session.stop()
    }

    private func measure(session: inout HTTPProxySession) async throws {
        print("telltale-bench http-proxy: " + session.targets.map { "\($0.name) :\($0.port)" }.joined(separator: ", "))
        if let proxy = session.telltaleCommand { print("telltale: \(proxy)") }
        print("load average at start: \(Self.loadAverage())")
        print("latency: \(rounds) rounds × \(requests) sequential requests per target and reply, warm-up \(warmup), "
            + "\(bodyBytes)-byte bodies, one keep-alive connection each")

        let latency = try measureLatency(targets: session.targets)
        var throughput: [HTTPProxyReport.Throughput] = []
        if throughputRounds > 0 {
            print("throughput: wrk -t\(wrkThreads) -c\(connections) -d\(duration)s, \(throughputRounds) rounds per target and reply")
            throughput = try measureThroughput(
                targets: session.targets, upstream: session.upstream,
                collector: session.collector?.server.process.processIdentifier,
                directory: session.directory)
        }
        var capture: String?
        if session.collector != nil {
            let expected = (rounds * requests + warmup) * 2
                + throughput.filter { $0.target == "telltale" }.reduce(0) { $0 + $1.runs.reduce(0) { $0 + $1.upstreamAnswered } }
            capture = try await session.verifyCapture(expected: expected)
        }
        print("load average at the end: \(Self.loadAverage())\n")
        print(HTTPProxyReport.markdown(latency: latency, throughput: throughput, capture: capture))
    }

    /// The first three fields of `/proc/loadavg`.
    static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?"
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// Sequential round trips; returns per target and reply kind the per-round samples.
    private func measureLatency(targets: [HTTPProxySession.Target]) throws -> [HTTPProxyReport.Latency] {
        var clients: [(target: String, sse: Bool, client: HTTPLatencyClient)] = []
        for target in targets {
            for sse in [false, true] {
                let client = try HTTPLatencyClient(
                    name: "\(target.name) \(sse ? "SSE" : "JSON")", port: target.port, sse: sse, bodyBytes: bodyBytes,
                    session: "bench-latency-\(target.name)-\(sse ? "sse" : "json")")
                clients.append((target.name, sse, client))
            }
        }
        var id = 0
        for entry in clients {
            for _ in 0..<warmup {
                id += 1
                _ = try entry.client.roundTrip(id: id)
            }
        }
        var perRound = Array(repeating: [LatencySamples](), count: clients.count)
        for round in 0..<rounds {
            // Rotate the order (and reverse it every other round) so no client always runs first or last.
            let rotated = (0..<clients.count).map { ($0 + round) % clients.count }
            let order = round % 2 == 0 ? rotated : rotated.reversed()
            var samples = Array(repeating: LatencySamples(), count: clients.count)
            for index in order {
                for _ in 0..<requests {
                    id += 1
                    samples[index].append(try clients[index].client.roundTrip(id: id))
                }
            }
            for index in clients.indices { perRound[index].append(samples[index]) }
            print("  round \(round + 1)/\(rounds): " + clients.indices.map {
                "\(clients[$0].client.name) \(LatencySamples.micros(samples[$0].quantile(0.5)))"
            }.joined(separator: ", ") + " µs p50")
        }
        for entry in clients where entry.client.reconnections > 0 {
            print("  note: \(entry.client.name): the server closed the connection \(entry.client.reconnections) times (reconnected)")
        }
        return clients.indices.map { index in
            HTTPProxyReport.Latency(
                target: clients[index].target, sse: clients[index].sse,
                p50: perRound[index].map { $0.quantile(0.5) }, p95: perRound[index].map { $0.quantile(0.95) },
                p99: perRound[index].map { $0.quantile(0.99) })
        }
    }

    /// wrk runs; `collector` is the pid of `telltale serve`, whose CPU time is recorded too.
    private func measureThroughput(
        targets: [HTTPProxySession.Target], upstream: MCPUpstreamServer, collector: pid_t?, directory: URL
    ) throws -> [HTTPProxyReport.Throughput] {
        var results = targets.flatMap { target in
            [false, true].map { HTTPProxyReport.Throughput(target: target.name, sse: $0, runs: []) }
        }
        var runNumber = 0
        for round in 0..<throughputRounds {
            let order = round % 2 == 0 ? Array(results.indices) : results.indices.reversed()
            for index in order {
                let entry = results[index]
                guard let port = targets.first(where: { $0.name == entry.target })?.port else { continue }
                let proxy = targets.first(where: { $0.name == entry.target })?.pid
                let before = (ProcessCPUTime.current(), proxy.flatMap(ProcessCPUTime.tree), collector.flatMap(ProcessCPUTime.tree))
                let answered = upstream.answered
                runNumber += 1
                let script = try WrkRun.script(in: directory, sse: entry.sse, bodyBytes: bodyBytes, run: runNumber)
                var run = try WrkRun.run(
                    wrk: wrk, script: script, port: port, threads: wrkThreads,
                    connections: connections, seconds: duration)
                run.upstreamCPU = ProcessCPUTime.current() - before.0
                run.upstreamAnswered = upstream.answered - answered
                if let start = before.1, let end = proxy.flatMap(ProcessCPUTime.tree) { run.proxyCPU = end - start }
                if let start = before.2, let end = collector.flatMap(ProcessCPUTime.tree) { run.collectorCPU = end - start }
                results[index].runs.append(run)
                print("  round \(round + 1)/\(throughputRounds): \(entry.target) \(entry.sse ? "SSE" : "JSON"): "
                    + "\(Int(run.requestsPerSecond.rounded())) req/s (wrk p50 \(run.p50), p99 \(run.p99)"
                    + (run.non2xx + run.socketErrors > 0 ? ", \(run.non2xx) non-2xx, \(run.socketErrors) socket errors" : "")
                    + ")")
            }
        }
        return results
    }
}
