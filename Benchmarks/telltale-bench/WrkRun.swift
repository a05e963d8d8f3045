import Foundation

/// One `wrk` throughput run against a target: `POST /mcp` `tools/call` requests from a Lua script, every
/// request with its own JSON-RPC id (run × 10¹⁰ + thread × 10⁹ + counter), unique over the whole benchmark,
/// so that capture can pair them and every stored call can be traced back to one request.
struct WrkRun {
    /// Requests per second as wrk reports it.
    var requestsPerSecond: Double
    /// Completed requests (wrk's count; requests still in flight when it stops are not in it).
    var requests: Int
    /// Requests the upstream answered during the run (in-flight ones at the end included).
    var upstreamAnswered = 0
    /// Responses outside 2xx/3xx, and socket errors (connect, read, write, timeout).
    var non2xx: Int
    var socketErrors: Int
    /// wrk's latency percentiles line for p50 and p99, as printed (e.g. `1.23ms`).
    var p50: String
    var p99: String
    /// CPU seconds used during the run by the in-process upstream, the proxy (with its workers) and the collector.
    var upstreamCPU: Double = .nan
    var proxyCPU: Double = .nan
    var collectorCPU: Double = .nan

    /// Writes the Lua script of run number `run` (≥ 1) for `sse` or JSON replies into `directory` and returns
    /// its path.
    static func script(in directory: URL, sse: Bool, bodyBytes: Int, run: Int) throws -> String {
        let body = HTTPLatencyClient.body(size: bodyBytes).bytes
        guard let idRange = body.range(of: "111111111") else { throw BenchmarkError("no id placeholder in the body") }
        let prefix = String(body[..<idRange.lowerBound])
        let suffix = String(body[idRange.upperBound...])
        let lua = """
            -- telltale-bench http-proxy: POST /mcp tools/call with an id unique over the whole benchmark.
            local threads = 0
            function setup(thread)
              threads = threads + 1
              thread:set("tid", threads)
            end
            local counter = 0
            local prefix = \(luaString(prefix))
            local suffix = \(luaString(suffix))
            local headers = {}
            function init(args)
              headers["Content-Type"] = "application/json"
              headers["Accept"] = "application/json, text/event-stream"
              headers["User-Agent"] = "telltale-bench/1.0"
              headers["Mcp-Session-Id"] = "bench-wrk-" .. tid
              headers["\(MCPUpstreamServer.replyHeader)"] = "\(sse ? "sse" : "json")"
            end
            function request()
              counter = counter + 1
              local id = \(run) * 10000000000 + tid * 1000000000 + counter
              return wrk.format("POST", "/mcp", headers, prefix .. id .. suffix)
            end

            """
        let path = directory.appendingPathComponent("wrk-\(run)-\(sse ? "sse" : "json").lua")
        try lua.write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }

    /// Runs `wrk --latency -s script -t threads -c connections -d seconds` against 127.0.0.1:`port`.
    static func run(wrk: String, script: String, port: Int, threads: Int, connections: Int, seconds: Int) throws -> WrkRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = [
            "--latency", "-s", script, "-t", String(threads), "-c", String(connections), "-d", "\(seconds)s",
            "http://127.0.0.1:\(port)/mcp",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let bytes = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: bytes, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw BenchmarkError("wrk exited with \(process.terminationStatus):\n\(text)")
        }
        return try parse(text)
    }

    /// Reads wrk's report.
    static func parse(_ text: String) throws -> WrkRun {
        var run = WrkRun(requestsPerSecond: .nan, requests: -1, non2xx: 0, socketErrors: 0, p50: "?", p99: "?")
        for rawLine in text.split(separator: "\n") {
            let words = rawLine.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = words.first else { continue }
            switch first {
            case "Requests/sec:" where words.count > 1:
                run.requestsPerSecond = Double(words[1]) ?? .nan
            case "50%" where words.count > 1:
                run.p50 = String(words[1])
            case "99%" where words.count > 1:
                run.p99 = String(words[1])
            case "Non-2xx" where words.count > 4:
                run.non2xx = Int(words[4]) ?? -1
            case "Socket" where words.count > 1:
                // Socket errors: connect 0, read 0, write 0, timeout 0
                run.socketErrors = words.compactMap { Int($0.trimmingCharacters(in: .punctuationCharacters)) }.reduce(0, +)
            default:
                // "  123456 requests in 10.00s, 45.67MB read"
                if words.count > 2, words[1] == "requests", words[2] == "in", let count = Int(first) {
                    run.requests = count
                }
            }
        }
        guard run.requests >= 0, !run.requestsPerSecond.isNaN else {
            throw BenchmarkError("could not read wrk's report:\n\(text)")
        }
        return run
    }

    private static func luaString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
