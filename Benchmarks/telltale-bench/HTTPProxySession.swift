import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The processes of one `telltale-bench http-proxy` run: the upstream, the collector, nginx and
/// `telltale proxy`, everything they write under one temporary directory.
struct HTTPProxySession {
    /// A target the clients talk to: `direct` (the upstream itself), `nginx` or `telltale`.
    struct Target {
        var name: String
        var port: Int
        /// The proxy's process (nil for `direct`, which is the upstream inside this process).
        var pid: pid_t?
    }

    /// The collector and the read key to ask it what was captured.
    struct Collector {
        var server: IngestServerProcess
        var readKey: String
    }

    let upstream: MCPUpstreamServer
    private(set) var targets: [Target] = []
    private(set) var directory = URL(fileURLWithPath: "/nonexistent")
    private(set) var collector: Collector?
    private(set) var telltaleCommand: String?
    private var proxies: [ProxyTargetProcess] = []

    init(upstream: MCPUpstreamServer) {
        self.upstream = upstream
    }

    /// Starts the collector (when capture is on) and the proxies among `names`.
    mutating func start(names: [String], benchmark: HTTPProxyBenchmark, directory: URL) async throws {
        self.directory = directory
        targets = [Target(name: "direct", port: upstream.port, pid: nil)]
        if names.contains("nginx") {
            let nginx = try await ProxyTargetProcess.nginx(
                executable: benchmark.nginx, upstreamPort: upstream.port, workers: benchmark.nginxWorkers,
                directory: directory)
            proxies.append(nginx)
            targets.append(Target(name: "nginx", port: nginx.port, pid: nginx.process.processIdentifier))
        }
        if names.contains("telltale") {
            let executable = try RelayBenchmark.locateTelltale(benchmark.telltale)
            var options: [String] = []
            if !benchmark.noCapture {
                let data = directory.appendingPathComponent("collector", isDirectory: true)
                try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
                let ingestKey = try IngestServerProcess.createKey(telltale: executable, data: data, scope: "ingest")
                let readKey = try IngestServerProcess.createKey(telltale: executable, data: data, scope: "read")
                let server = try await IngestServerProcess.start(telltale: executable, data: data)
                collector = Collector(server: server, readKey: readKey)
                options = ["--endpoint", "http://127.0.0.1:\(server.port)", "--api-key", ingestKey]
            }
            options += benchmark.proxyOptions
            let proxy = try await ProxyTargetProcess.telltale(
                executable: executable, upstreamPort: upstream.port, options: options, directory: directory)
            proxies.append(proxy)
            targets.append(Target(name: "telltale", port: proxy.port, pid: proxy.process.processIdentifier))
            let shown = options.enumerated().map { $0.offset > 0 && options[$0.offset - 1] == "--api-key" ? "<ingest key>" : $0.element }
            telltaleCommand = (["\(executable) proxy 127.0.0.1:\(upstream.port) 127.0.0.1:\(proxy.port)"] + shown)
                .joined(separator: " ")
        }
    }

    /// Stops `telltale proxy` (so its shipper flushes), then asks the collector how many calls it stored,
    /// until that reaches `expected` or stops growing for 3 s; returns a one-line description.
    mutating func verifyCapture(expected: Int) async throws -> String {
        guard let collector else { return "capture off" }
        if let index = proxies.firstIndex(where: { $0.name == "telltale proxy" }) {
            let status = proxies[index].stop()
            proxies.remove(at: index)
            if status != 0 { print("note: telltale proxy exited with status \(status)") }
        }
        var last = (calls: -1, outcomes: "")
        var unchangedSince = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let now = try await Self.summary(port: collector.server.port, key: collector.readKey)
            if now.calls != last.calls { unchangedSince = .now }
            last = now
            if now.calls >= expected || ContinuousClock.now - unchangedSince > .seconds(3) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let spooled = try ProxyTargetProcess.spooledCalls(in: directory)
        return "\(expected) requests the upstream answered through telltale proxy; the collector stored \(last.calls) "
            + "(\(last.outcomes)); \(spooled.requests) more were left in the proxy's spool when it stopped "
            + "(\(spooled.records) records with the progress notifications), to be sent by the next process; "
            + "captured in all: \(last.calls + spooled.requests)"
    }

    /// `GET /api/v1/summary`: stored requests and their outcomes.
    static func summary(port: Int, key: String) async throws -> (calls: Int, outcomes: String) {
        guard let url = URL(string: "http://127.0.0.1:\(port)/api/v1/summary") else { throw BenchmarkError("bad URL") }
        var request = URLRequest(url: url)
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200,
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let calls = object["calls"] as? Int else {
            throw BenchmarkError("summary answered: \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        let outcomes = (object["outcomes"] as? [String: Int] ?? [:])
            .filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return (calls, outcomes)
    }

    /// Stops every process and the upstream.
    func stop() async {
        for proxy in proxies { proxy.stop() }
        collector?.server.stop()
        await upstream.stop()
    }
}
