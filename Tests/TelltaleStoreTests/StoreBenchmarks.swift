import Foundation
import Testing
import TelltaleCore
import TelltaleStore

/// Timings of the SQLite engine, off by default. Run in release mode:
/// `TELLTALE_STORE_BENCH=1 swift test -c release --filter StoreBenchmarks`
/// (`TELLTALE_STORE_BENCH_ROWS` sets the size of the query benchmark, default 1,000,000).
@Suite("StoreBenchmarks", .enabled(if: ProcessInfo.processInfo.environment["TELLTALE_STORE_BENCH"] != nil), .serialized)
struct StoreBenchmarks {
    static let tools = (0..<20).map { "tool_\($0)" }
    static let clients = [PeerInfo(name: "claude-code", version: "1.2.0"), PeerInfo(name: "mcp", version: "0.1.0"), PeerInfo(name: "cursor", version: "0.9.1")]

    /// How call ids are made: random UUIDs (what ``Call/newID()`` makes) or time-ordered (UUIDv7 layout).
    enum IDStyle: String, Sendable { case random, timeOrdered }

    /// A realistic `tools/call` record (~300 bytes of payload), one session per 100 calls.
    static func call(_ index: Int, base: Int64, ids: IDStyle = .random) -> Call {
        let outcome: CallOutcome = index % 50 == 0 ? .toolError : (index % 97 == 0 ? .error : .ok)
        let tool = tools[index % tools.count]
        let micros = base + Int64(index) * 1_000
        return Call(
            id: ids == .random ? Call.newID() : timeOrderedID(micros: micros),
            startedAt: Date(timeIntervalSince1970: Double(micros) / 1_000_000),
            durationNs: Int64(500_000 + (index * 7919) % 50_000_000), method: "tools/call", target: tool,
            outcome: outcome, errorCode: outcome == .error ? -32602 : nil,
            errorMessage: outcome == .ok ? nil : "bad arguments for \(tool)", requestId: String(index),
            session: "bench-session-\(index / 100)", client: clients[index % 3],
            server: PeerInfo(name: "bench-server", version: "1.0.0"), protocolVersion: "2025-06-18", transport: .stdio,
            tags: ["env": index % 2 == 0 ? "prod" : "staging"],
            request: .object(["name": .string(tool), "arguments": .object(["city": .string("Paris"), "days": .number(Double(index % 7)), "units": .string("metric")])]),
            response: .object(["content": .array([.object(["type": .string("text"), "text": .string("Forecast for Paris: sunny, 21 °C, light wind from the west, no rain expected today.")])]), "isError": .bool(outcome == .toolError)]),
            requestBytes: 180, responseBytes: 240)
    }

    /// A UUIDv7-layout id: 48-bit milliseconds, then random bits.
    static func timeOrderedID(micros: Int64) -> String {
        var random = SystemRandomNumberGenerator()
        let high = padded(String(UInt64(micros / 1_000), radix: 16), 12)
        let a = String(0x7000 | UInt16.random(in: 0...0x0FFF, using: &random), radix: 16)
        let b = String(0x8000 | UInt16.random(in: 0...0x3FFF, using: &random), radix: 16)
        let c = padded(String(UInt64.random(in: 0...0xFFFF_FFFF_FFFF, using: &random), radix: 16), 12)
        return "\(high.prefix(8))-\(high.suffix(4))-\(a)-\(b)-\(c)"
    }

    static func padded(_ text: String, _ width: Int) -> String {
        String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// CPU seconds (user + system) this process has used so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Wall and CPU seconds of `body`, as "W ms (C ms CPU)".
    static func timed(_ body: () async throws -> Void) async rethrows -> String {
        let cpu = cpuSeconds()
        let wall = try await seconds(body)
        return String(format: "%.0f ms (%.0f ms CPU)", wall * 1000, (cpuSeconds() - cpu) * 1000)
    }

    static func rate(_ count: Int, _ seconds: Double) -> String {
        "\(Int(Double(count) / seconds))"
    }

    @Test("insert: 100k calls in batches of 1,000", arguments: [
        (SQLiteCallStore.Durability.full, IDStyle.random), (.normal, .random), (.full, .timeOrdered),
    ])
    func insertRate(durability: SQLiteCallStore.Durability, ids: IDStyle) async throws {
        let temp = try TempStore(durability: durability)
        defer { temp.cleanUp() }
        let project = try await temp.store.projects()[0].id
        let base = Traffic.t0Micros
        let batches = (0..<100).map { batch in (0..<1_000).map { Self.call(batch * 1_000 + $0, base: base, ids: ids) } }
        var inserted = 0
        let cpu = Self.cpuSeconds()
        let elapsed = try await Self.seconds {
            for batch in batches { inserted += try await temp.store.insert(batch, project: project) }
        }
        let cpuUsed = Self.cpuSeconds() - cpu
        #expect(inserted == 100_000)
        print("BENCH insert durability=\(durability.rawValue) ids=\(ids.rawValue): 100000 calls in \(String(format: "%.3f", elapsed)) s wall = \(Self.rate(inserted, elapsed)) calls/s; \(String(format: "%.3f", cpuUsed)) CPU s = \(Self.rate(inserted, cpuUsed)) calls per CPU-second")
        var duplicates = -1
        let again = try await Self.seconds { duplicates = try await temp.store.insert(batches[0], project: project) }
        #expect(duplicates == 0)
        print("BENCH insert duplicate batch of 1000: \(String(format: "%.1f", again * 1000)) ms")
    }

    @Test("insert: 100k calls in batches of 1,000 from 4 concurrent tasks")
    func concurrentInsertRate() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let project = try await store.projects()[0].id
        let batches = (0..<100).map { batch in (0..<1_000).map { Self.call(batch * 1_000 + $0, base: Traffic.t0Micros) } }
        var inserted = 0
        let cpu = Self.cpuSeconds()
        let elapsed = try await Self.seconds {
            inserted = try await withThrowingTaskGroup(of: Int.self) { group in
                for lane in 0..<4 {
                    group.addTask {
                        var count = 0
                        for index in stride(from: lane, to: batches.count, by: 4) {
                            count += try await store.insert(batches[index], project: project)
                        }
                        return count
                    }
                }
                return try await group.reduce(0, +)
            }
        }
        let cpuUsed = Self.cpuSeconds() - cpu
        #expect(inserted == 100_000)
        print("BENCH insert 4 tasks durability=full ids=random: 100000 calls in \(String(format: "%.3f", elapsed)) s wall = \(Self.rate(inserted, elapsed)) calls/s; \(String(format: "%.3f", cpuUsed)) CPU s")
    }

    @Test("queries over a large range")
    func queryTimes() async throws {
        let rows = Int(ProcessInfo.processInfo.environment["TELLTALE_STORE_BENCH_ROWS"] ?? "") ?? 1_000_000
        let ids: IDStyle = ProcessInfo.processInfo.environment["TELLTALE_STORE_BENCH_IDS"] == "timeOrdered" ? .timeOrdered : .random
        let temp = try TempStore(durability: .full)
        defer { temp.cleanUp() }
        let store = temp.store
        let project = try await store.projects()[0].id
        let base = Traffic.t0Micros
        var insertSeconds = 0.0
        var chunkSeconds = 0.0
        for start in stride(from: 0, to: rows, by: 1_000) {
            let batch = (start..<min(start + 1_000, rows)).map { Self.call($0, base: base, ids: ids) }
            let elapsed = try await Self.seconds { try await store.insert(batch, project: project) }
            insertSeconds += elapsed
            chunkSeconds += elapsed
            if (start + 1_000) % 100_000 == 0 {
                print("BENCH load ids=\(ids.rawValue) rows \(start + 1_000 - 100_000)…\(start + 1_000): \(Self.rate(100_000, chunkSeconds)) calls/s")
                chunkSeconds = 0
            }
        }
        print("BENCH load \(rows) calls: \(String(format: "%.1f", insertSeconds)) s in insert = \(Self.rate(rows, insertSeconds)) calls/s")
        let query = CallQuery(project: project, from: Traffic.at(seconds: -1), to: Traffic.at(seconds: Double(rows) / 1_000 + 1))
        var summary: SummaryStats?
        let tSummary = try await Self.timed { summary = try await store.summary(query) }
        #expect(summary?.calls == rows)
        var tools: [TargetStats] = []
        let tTools = try await Self.timed { tools = try await store.targets(.tool, query) }
        #expect(tools.count == 20)
        var clients: [PeerStats] = []
        let tClients = try await Self.timed { clients = try await store.clients(query) }
        #expect(clients.count == 3)
        var sessions: [SessionStats] = []
        let tSessions = try await Self.timed { sessions = try await store.sessions(query, limit: 50) }
        #expect(sessions.count == 50)
        var tagged: SummaryStats?
        let tagQuery = CallQuery(project: project, from: query.from, to: query.to, tags: ["env": "prod"])
        let tTagged = try await Self.timed { tagged = try await store.summary(tagQuery) }
        #expect(tagged?.calls == (rows + 1) / 2)
        var lastHour: SummaryStats?
        let hourQuery = CallQuery(project: project, from: Traffic.at(seconds: Double(rows) * 0.9 / 1_000), to: query.to)
        let tHour = try await Self.timed { lastHour = try await store.summary(hourQuery) }
        #expect(lastHour?.calls == rows / 10)
        print("BENCH \(rows) rows: summary \(tSummary), tools \(tTools), clients \(tClients), sessions \(tSessions), summary tag=env:prod \(tTagged), summary of the last 10% \(tHour)")
    }
}
