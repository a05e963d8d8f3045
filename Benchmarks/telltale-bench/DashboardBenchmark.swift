import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TelltaleStore

/// `telltale-bench dashboard`: the server time of every dashboard page on a filled store.
///
/// Starts `telltale serve` on an existing data directory (fill one with `telltale-bench fill-store`),
/// signs in with a fresh read key, then requests every page for the last hour, day and week of the data
/// (`from`/`to` explicit, ending at the newest call). Each page is requested once to warm the caches, then
/// `rounds` times; the median and p95 of the time until the last byte of the page are reported, over
/// loopback, so they include a few hundred microseconds of HTTP on top of the server's work.
struct DashboardBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Server time of every dashboard page (p50/p95) for 1h, 24h and 7d on a filled store."
    )

    @Option(help: "Path of the telltale executable (default: next to this benchmark).")
    var telltale: String?

    @Option(help: "The data directory to serve (see `telltale-bench fill-store`).")
    var data: String

    @Option(help: "Measured requests per page and range.")
    var rounds = 20

    @Option(help: "Ranges to measure, comma-separated hours.")
    var ranges = "1,24,168"

    func run() async throws {
        let binary = try RelayBenchmark.locateTelltale(telltale)
        let directory = URL(fileURLWithPath: data)
        let (calls, newest, session, callID, tool) = try await Self.describe(directory)
        print("telltale-bench dashboard: \(binary)")
        print("store: \(directory.path) — \(calls) calls, newest at \(ISO8601DateFormatter().string(from: newest))")

        let key = try IngestServerProcess.createKey(telltale: binary, data: directory, scope: "read")
        let server = try await IngestServerProcess.start(telltale: binary, data: directory)
        defer { server.stop() }
        // Redirects are not followed: the sign-in answers 303 with the cookie, and a page that redirects is an error.
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let base = "http://127.0.0.1:\(server.port)"
        let cookie = try await Self.signIn(client: client, base: base, key: key)

        let pages = [
            "/", "/tools", "/tools/\(Self.escape(tool))", "/prompts", "/resources", "/clients", "/servers",
            "/matrix", "/throughput", "/sessions", "/regressions",
        ]
        let to = newest.addingTimeInterval(1)
        print("\n\(rounds) requests per page and range (after one warm-up); milliseconds until the last byte")
        print("range  page                                 p50      p95    bytes")
        var worst: (ms: Double, what: String) = (0, "")
        for hours in ranges.split(separator: ",").compactMap({ Double($0) }) {
            let from = to.addingTimeInterval(-hours * 3600)
            let window = "from=\(Self.millis(from))&to=\(Self.millis(to))"
            for page in pages {
                let url = base + page + (page.contains("?") ? "&" : "?") + window
                let (p50, p95, bytes) = try await Self.time(client: client, url: url, cookie: cookie, rounds: rounds)
                print(String(format: "%4.0fh  ", hours) + Self.pad(page) + String(format: " %7.1f  %7.1f  %7d", p50, p95, bytes))
                if p50 > worst.ms { worst = (p50, "\(page) over \(Int(hours))h") }
            }
        }
        for page in ["/sessions/\(Self.escape(session))", "/calls/\(callID)"] {
            let (p50, p95, bytes) = try await Self.time(client: client, url: base + page, cookie: cookie, rounds: rounds)
            print("   —   " + Self.pad(String(page.prefix(32))) + String(format: " %7.1f  %7.1f  %7d", p50, p95, bytes))
            if p50 > worst.ms { worst = (p50, page) }
        }
        try await client.shutdown()
        print(String(format: "\nslowest page p50: %.1f ms", worst.ms) + " (\(worst.what))   (target ≤ 100 ms)")
    }

    /// Size and newest call of the store, its most recent session, one of that session's tool calls, and the tool.
    static func describe(_ directory: URL) async throws -> (Int, Date, String, String, String) {
        let store = try SQLiteCallStore(directory: directory, durability: .normal)
        guard let project = try await store.projects().first?.id else { throw BenchmarkError("no project") }
        let everything = CallQuery(project: project, from: Date(timeIntervalSince1970: 0), to: Date().addingTimeInterval(365 * 86400))
        guard let session = try await store.sessions(everything, order: .recent, limit: 1).first else {
            throw BenchmarkError("the store at \(directory.path) is empty: fill it with `telltale-bench fill-store`")
        }
        let calls = try await store.sessionCalls(session: session.id, query: everything, limit: 10_000)
        guard let toolCall = calls.last(where: { $0.method == "tools/call" && $0.target != nil }) else {
            throw BenchmarkError("the newest session has no tool call")
        }
        let summary = try await store.summary(everything)
        return (summary.calls, session.lastSeen, session.id, toolCall.id, toolCall.target!)
    }

    static func signIn(client: HTTPClient, base: String, key: String) async throws -> String {
        var request = HTTPClientRequest(url: base + "/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "key=" + escape(key)))
        let response = try await client.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard let setCookie = response.headers["Set-Cookie"].first(where: { $0.hasPrefix("telltale_session=") }),
              let pair = setCookie.split(separator: ";").first else {
            throw BenchmarkError("sign-in answered \(response.status) without a telltale_session cookie")
        }
        return String(pair)
    }

    static func time(client: HTTPClient, url: String, cookie: String, rounds: Int) async throws -> (Double, Double, Int) {
        var samples = LatencySamples()
        var bytes = 0
        for round in 0...rounds {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Cookie", value: cookie)
            let start = LatencySamples.now()
            let response = try await client.execute(request, timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 64 << 20)
            let elapsed = LatencySamples.now() - start
            guard response.status == .ok else {
                throw BenchmarkError("GET \(url) answered \(response.status): \(String(buffer: body).prefix(300))")
            }
            bytes = body.readableBytes
            if round > 0 { samples.append(elapsed) }
        }
        return (samples.quantile(0.5) / 1e6, samples.quantile(0.95) / 1e6, bytes)
    }

    static func pad(_ text: String, to width: Int = 32) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? text
    }
}
