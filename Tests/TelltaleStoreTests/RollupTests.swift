import Foundation
import Testing
import TelltaleCore
@testable import TelltaleStore

@Suite("SQLiteCallStore rollups")
struct RollupTests {
    /// 2026-09-20T23:00:00Z: a day boundary one hour later.
    static let start: Int64 = 1_790_463_600_000_000
    static let minute: Int64 = 60_000_000, quarter: Int64 = 900_000_000, hour: Int64 = 3_600_000_000, day: Int64 = 86_400_000_000

    static func date(_ micros: Int64) -> Date { Date(timeIntervalSince1970: Double(micros) / 1_000_000) }

    static let filters: [(String, @Sendable (ProjectID, Date, Date) -> CallQuery)] = [
        ("none", { CallQuery(project: $0, from: $1, to: $2) }),
        ("server", { CallQuery(project: $0, from: $1, to: $2, server: "alpha") }),
        ("client", { CallQuery(project: $0, from: $1, to: $2, client: "cursor") }),
        ("client version", { CallQuery(project: $0, from: $1, to: $2, client: "claude-code", clientVersion: "2.1") }),
        ("tool", { CallQuery(project: $0, from: $1, to: $2, tool: "search") }),
        ("prompt", { CallQuery(project: $0, from: $1, to: $2, prompt: "summarize") }),
        ("resource", { CallQuery(project: $0, from: $1, to: $2, resource: "file:///a") }),
        ("tag", { CallQuery(project: $0, from: $1, to: $2, tags: ["env": "prod"]) }),
        ("two tags", { CallQuery(project: $0, from: $1, to: $2, tags: ["env": "prod", "team": "x"]) }),
        ("server + tool + tag", { CallQuery(project: $0, from: $1, to: $2, server: "beta", tool: "fetch", tags: ["env": "staging"]) }),
        ("tool and prompt", { CallQuery(project: $0, from: $1, to: $2, tool: "search", prompt: "summarize") }),
        ("method", { CallQuery(project: $0, from: $1, to: $2, method: "tools/list") }),
        ("notification method", { CallQuery(project: $0, from: $1, to: $2, method: "notifications/progress") }),
        ("method + tool", { CallQuery(project: $0, from: $1, to: $2, tool: "fetch", method: "tools/call") }),
        ("method + client + tag", { CallQuery(project: $0, from: $1, to: $2, client: "cursor", method: "initialize", tags: ["env": "prod"]) }),
        ("method and another tool's method", { CallQuery(project: $0, from: $1, to: $2, tool: "search", method: "tools/list") }),
    ]

    @Test("the plan covers [from, to) exactly: raw edges, then minutes, quarter hours, hours, days")
    func plan() {
        let base = Self.start + Self.hour // a day boundary
        typealias Part = RollupPlan.Part
        #expect(RollupPlan.parts(from: base + 5, to: base + 50) == [.raw(from: base + 5, to: base + 50)])
        #expect(RollupPlan.parts(from: base - 5, to: base + 5) == [.raw(from: base - 5, to: base + 5)])
        #expect(RollupPlan.parts(from: base, to: base + Self.minute) == [.tier(.minute, from: base, to: base + Self.minute)])
        #expect(RollupPlan.parts(from: base - 1, to: base + 2 * Self.minute + 1) == [
            .raw(from: base - 1, to: base), .tier(.minute, from: base, to: base + 2 * Self.minute),
            .raw(from: base + 2 * Self.minute, to: base + 2 * Self.minute + 1),
        ])
        let from = base - Self.day - Self.hour - Self.quarter - Self.minute - 7
        let to = base + Self.day + Self.hour + Self.quarter + Self.minute + 7
        #expect(RollupPlan.parts(from: from, to: to) == [
            .raw(from: from, to: from + 7), .tier(.minute, from: from + 7, to: from + 7 + Self.minute),
            .tier(.quarter, from: base - Self.day - Self.hour - Self.quarter, to: base - Self.day - Self.hour),
            .tier(.hour, from: base - Self.day - Self.hour, to: base - Self.day),
            .tier(.day, from: base - Self.day, to: base + Self.day),
            .tier(.hour, from: base + Self.day, to: base + Self.day + Self.hour),
            .tier(.quarter, from: base + Self.day + Self.hour, to: base + Self.day + Self.hour + Self.quarter),
            .tier(.minute, from: to - 7 - Self.minute, to: to - 7), .raw(from: to - 7, to: to),
        ])
        // 15-minute buckets read quarter hours, 5-minute buckets only minutes.
        #expect(RollupPlan.coarsest(forBucket: 15 * Self.minute) == Self.quarter)
        #expect(RollupPlan.coarsest(forBucket: 5 * Self.minute) == Self.minute)
        #expect(RollupPlan.coarsest(forBucket: 6 * Self.hour) == Self.hour)
        #expect(RollupPlan.coarsest(forBucket: 2 * Self.day) == Self.day)
        // Hour buckets never read the day tier.
        #expect(!RollupPlan.parts(from: from, to: to, coarsest: Self.hour).contains { if case .tier(.day, _, _) = $0 { true } else { false } })
        #expect(RollupPlan.parts(from: 10, to: 10).isEmpty)
        #expect(RollupPlan.parts(from: 10, to: 5).isEmpty)
    }

    @Test("range edges are exact: from included, from − 1 µs excluded, to excluded, across every tier boundary")
    func exactEdges() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let project = try await temp.store.projects()[0].id
        let boundary = Self.start + Self.hour // minute, hour and day boundary
        var stamps: [Int64] = []
        for anchor in [boundary, boundary + Self.minute, boundary + Self.hour, boundary - Self.day + 30 * Self.minute, boundary + 3 * Self.minute + 30_000_000] {
            stamps += [anchor - 1, anchor, anchor + 1]
        }
        stamps += [boundary - Self.day - 1, boundary + Self.day, boundary + Self.day + 5 * Self.hour]
        let calls = stamps.enumerated().map { index, micros in
            Call(id: "edge-\(index)", startedAt: Self.date(micros), durationNs: Int64(index + 1) * 1_000_000,
                 method: "tools/call", target: "t\(index % 3)", outcome: index % 4 == 0 ? .error : .ok,
                 session: "edge-s\(index % 5)", client: PeerInfo(name: "c", version: "1"), server: PeerInfo(name: "s"))
        }
        try await temp.store.insert(calls, project: project)
        let truth = RollupTruth(calls: calls)
        var points = Set<Int64>()
        for stamp in stamps { points.formUnion([stamp - 1, stamp, stamp + 1]) }
        points.formUnion([boundary - Self.day, boundary + 2 * Self.day, boundary + 30_000_000])
        let sorted = points.sorted()
        var checked = 0
        for (i, from) in sorted.enumerated() {
            for to in sorted[i...] where (to - from) % 3 == 0 || to == sorted.last || from == sorted.first {
                let q = CallQuery(project: project, from: Self.date(from), to: Self.date(to))
                let summary = try await temp.store.summary(q)
                let requests = truth.requests(q)
                #expect(summary.calls == requests.count, "[\(from), \(to))")
                #expect(summary.calls - summary.outcomes["ok"]! == requests.filter { $0.outcome != .ok }.count)
                checked += 1
            }
        }
        #expect(checked > 200)
        // The single points, one by one.
        for stamp in stamps {
            let exactly = CallQuery(project: project, from: Self.date(stamp), to: Self.date(stamp + 1))
            #expect(try await temp.store.summary(exactly).calls == 1)
            let before = CallQuery(project: project, from: Self.date(stamp - 1), to: Self.date(stamp))
            #expect(try await temp.store.summary(before).calls == truth.requests(before).count)
        }
    }

    @Test("rollups equal the raw truth on random traffic: counts exact, percentiles within 1%, every filter")
    func randomTruth() async throws {
        let temp = try TempStore(durability: .normal)
        defer { temp.cleanUp() }
        let project = try await temp.store.projects()[0].id
        let calls = RandomTraffic.calls(count: 6_000, start: Self.start - 20 * Self.hour, seconds: 60 * 3600, seed: 42)
        for batch in stride(from: 0, to: calls.count, by: 700) {
            try await temp.store.insert(Array(calls[batch..<min(batch + 700, calls.count)]), project: project)
        }
        let truth = RollupTruth(calls: calls)
        var rng = SplitMix64(seed: 9)
        var ranges: [(Int64, Int64)] = [(Self.start - 30 * Self.hour, Self.start + 50 * Self.hour)]
        for _ in 0..<5 {
            let from = Self.start - 20 * Self.hour + Int64(rng.next() % UInt64(40 * Self.hour))
            ranges.append((from, from + 1 + Int64(rng.next() % UInt64(30 * Self.hour))))
        }
        for (from, to) in ranges {
            for (name, make) in Self.filters {
                let q = make(project, Self.date(from), Self.date(to))
                try await check(temp.store, q, truth, "\(name) [\(from), \(to))")
            }
        }
    }

    func check(_ store: SQLiteCallStore, _ q: CallQuery, _ truth: RollupTruth, _ label: String) async throws {
        let requests = truth.requests(q)
        let summary = try await store.summary(q)
        #expect(summary.calls == requests.count, "\(label)")
        #expect(summary.notifications == truth.notifications(q), "\(label)")
        for outcome in CallOutcome.allCases {
            #expect(summary.outcomes[outcome.rawValue] == requests.filter { $0.outcome == outcome }.count, "\(label)")
        }
        let active = truth.activeSessions(q)
        #expect(summary.sessions == active.count, "\(label)")
        let exact = RollupTruth.latency(requests)
        if requests.isEmpty {
            #expect(summary.latency == LatencyStats(), "\(label)")
        } else {
            #expect(approx(summary.latency, exact.p50Ms!, exact.p95Ms!, exact.p99Ms!), "\(label): \(summary.latency) vs \(exact)")
        }

        // Per tool.
        let tools = try await store.targets(.tool, q)
        let toolCalls = Dictionary(grouping: requests.filter { $0.method == "tools/call" }, by: { $0.target! })
        #expect(Set(tools.map(\.name)) == Set(toolCalls.keys), "\(label)")
        for tool in tools {
            let group = toolCalls[tool.name] ?? []
            #expect(tool.calls == group.count && tool.errors == group.filter { $0.outcome != .ok }.count, "\(label)")
            #expect(tool.toolErrors == group.filter { $0.outcome == .toolError }.count, "\(label)")
            #expect(tool.lastSeen == group.map(\.startedAt).max(), "\(label)")
            let exact = RollupTruth.latency(group)
            #expect(approx(tool.latency, exact.p50Ms!, exact.p95Ms!, exact.p99Ms!), "\(label) \(tool.name)")
        }

        // Per client version, with sessions from the sessions table.
        let clients = try await store.clients(q)
        let records = truth.calls.filter { $0.kind != .pollution && RollupTruth.matches($0, q) && $0.client != nil }
        let byClient = Dictionary(grouping: records, by: { $0.client! })
        #expect(clients.count == byClient.count, "\(label)")
        for peer in clients {
            let group = byClient[PeerInfo(name: peer.name, version: peer.version)] ?? []
            let groupRequests = group.filter { $0.kind == .request }
            #expect(peer.calls == groupRequests.count, "\(label)")
            #expect(peer.firstSeen == group.map(\.startedAt).min() && peer.lastSeen == group.map(\.startedAt).max(), "\(label)")
            #expect(peer.sessions == active.filter { $0.client == PeerInfo(name: peer.name, version: peer.version) }.count, "\(label)")
        }

        // Hourly time series: every bucket present, counts exact.
        let series = try await store.timeseries(q, bucketSeconds: 3600)
        let firstBucket = RollupTruth.micros(q.from) / Self.hour * Self.hour
        #expect(series.first.map { RollupTruth.micros($0.start) } == (q.from < q.to ? firstBucket : nil), "\(label)")
        #expect(series.map(\.calls).reduce(0, +) == requests.count, "\(label)")
        for bucket in series {
            let start = RollupTruth.micros(bucket.start)
            let inBucket = requests.filter { (start..<start + Self.hour).contains(RollupTruth.micros($0.startedAt)) }
            #expect(bucket.calls == inBucket.count && bucket.errors == inBucket.filter { $0.outcome != .ok }.count, "\(label)")
            #expect((bucket.p95Ms == nil) == inBucket.isEmpty)
        }

        // Tool × client version breakdown, and tool × 15-minute buckets.
        let matrix = try await store.breakdown(q, by: [.target, .client, .clientVersion, .method], bucketSeconds: nil, latency: false)
        #expect(matrix.map(\.calls).reduce(0, +) == requests.count, "\(label)")
        for row in matrix {
            let group = requests.filter { $0.target == row.target && $0.method == row.method && $0.client?.name == row.client && $0.client?.version == row.clientVersion }
            #expect(row.calls == group.count && row.errors == group.filter { $0.outcome != .ok }.count, "\(label)")
            #expect(row.latency == nil && row.bucket == nil && row.server == nil)
            #expect(row.firstSeen == group.map(\.startedAt).min(), "\(label)")
        }
        #expect(zip(matrix, matrix.dropFirst()).allSatisfy { $0.calls >= $1.calls })
        let perQuarter = try await store.breakdown(q, by: [.target, .bucket], bucketSeconds: 900, latency: true)
        #expect(perQuarter.map(\.calls).reduce(0, +) == requests.count, "\(label)")
        for row in perQuarter.prefix(10) {
            let start = RollupTruth.micros(row.bucket!)
            let group = requests.filter { $0.target == row.target && (start..<start + 900_000_000).contains(RollupTruth.micros($0.startedAt)) }
            #expect(row.calls == group.count, "\(label)")
            let exact = RollupTruth.latency(group)
            #expect(approx(row.latency, exact.p50Ms!, exact.p95Ms!, exact.p99Ms!), "\(label)")
        }

        // Sessions and their error counts.
        let counts = try await store.sessionErrorCounts(q)
        #expect(counts.sessions == active.count && counts.calls == active.map(\.calls).reduce(0, +), "\(label)")
        #expect(counts.errorsPerSession == active.map(\.errors).filter { $0 > 0 }.sorted(by: >), "\(label)")
        let recent = try await store.sessions(q, order: .recent, limit: 5)
        #expect(recent.map(\.id) == active.sorted { ($0.last, $1.id) > ($1.last, $0.id) }.prefix(5).map(\.id), "\(label)")
        let worst = try await store.sessions(q, order: .errors, limit: 5)
        #expect(worst.map(\.errors) == active.map(\.errors).sorted(by: >).prefix(5).map { $0 }, "\(label)")
        if let top = worst.first, let session = truth.sessionsByID[top.id] {
            #expect(top.calls == session.calls && top.notifications == session.notifications && top.stdoutPollution == session.pollution)
            #expect(top.client == session.client && top.server == session.server)
        }
        let busiest = try await store.sessions(q, order: .calls, limit: 3)
        #expect(busiest.map(\.calls) == active.map(\.calls).sorted(by: >).prefix(3).map { $0 }, "\(label)")
    }

    @Test("inserting the same calls again changes nothing; overlapping batches count the new calls only")
    func idempotent() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let project = try await temp.store.projects()[0].id
        let calls = RandomTraffic.calls(count: 1_500, start: Self.start, seconds: 7200, seed: 5)
        let q = CallQuery(project: project, from: Self.date(Self.start - Self.hour), to: Self.date(Self.start + 3 * Self.hour))
        #expect(try await temp.store.insert(Array(calls[0..<1000]), project: project) == 1000)
        #expect(try await temp.store.insert(Array(calls[500..<1500]), project: project) == 500)
        #expect(try await temp.store.insert(calls, project: project) == 0)
        try temp.store.insertSync(Array(calls[0..<10]), project: project)
        try await check(temp.store, q, RollupTruth(calls: calls), "after re-inserts")
    }

    @Test("empty ranges: zero buckets, no rows, no sessions")
    func emptyRanges() async throws {
        let (temp, project) = try await loadedStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let empty = CallQuery(project: project, from: Traffic.at(seconds: 5000), to: Traffic.at(seconds: 5000 + 7200))
        let series = try await store.timeseries(empty, bucketSeconds: 3600)
        #expect(series.count == 3) // the range is not hour-aligned
        #expect(series.allSatisfy { $0.calls == 0 && $0.errors == 0 && $0.p50Ms == nil && $0.outcomes.values.allSatisfy { $0 == 0 } })
        #expect(series.map(\.outcomes.count) == [5, 5, 5])
        #expect(try await store.breakdown(empty, by: [.target, .client], bucketSeconds: nil, latency: true).isEmpty)
        #expect(try await store.sessionErrorCounts(empty) == SessionErrorCounts(sessions: 0, calls: 0, errorsPerSession: []))
        #expect(try await store.sessions(empty, order: .errors, limit: 10).isEmpty)
        let backwards = CallQuery(project: project, from: Traffic.at(seconds: 10), to: Traffic.at(seconds: 0))
        #expect(try await store.timeseries(backwards, bucketSeconds: 60).isEmpty)
        #expect(try await store.summary(backwards).calls == 0)
        #expect(try await store.sessionErrorCounts(backwards).sessions == 0)
        let unknownTag = Traffic.query(project: project, tags: ["env": "nowhere"])
        #expect(try await store.summary(unknownTag).calls == 0)
        #expect(try await store.sessions(unknownTag, limit: 10).isEmpty)
    }

    @Test("bucket lengths are checked")
    func invalidBuckets() async throws {
        let (temp, project) = try await loadedStore()
        defer { temp.cleanUp() }
        let q = Traffic.query(project: project)
        for seconds in [0, 59, 90, 5400, -60] {
            await #expect(throws: StoreError.invalidBucket(seconds)) { try await temp.store.timeseries(q, bucketSeconds: seconds) }
        }
        await #expect(throws: StoreError.invalidBucket(0)) {
            try await temp.store.breakdown(q, by: [.bucket], bucketSeconds: nil, latency: false)
        }
        let minutes = try await temp.store.timeseries(q, bucketSeconds: 300)
        #expect(minutes.count == 24 || minutes.count == 25)
        #expect(minutes.map(\.calls).reduce(0, +) == 15)
        let days = try await temp.store.timeseries(q, bucketSeconds: 86_400)
        #expect(days.map(\.calls).reduce(0, +) == 15)
    }

    @Test("the v3 migration backfills rollups and sessions from the calls of an older database")
    func backfill() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let project = try await temp.store.projects()[0].id
        let other = try await temp.store.createProject(name: "other").id
        let calls = RandomTraffic.calls(count: 2_000, start: Self.start - 5 * Self.hour, seconds: 30 * 3600, seed: 77)
        try await temp.store.insert(calls, project: project)
        try await temp.store.insert(Traffic.calls, project: other)
        // Back to the v1 schema with its calls (what an existing database holds): drop every v3 table.
        try await temp.store.pool.write { db in
            for table in ["rollup_minute", "rollup_quarter", "rollup_hour", "rollup_day", "sessions", "session_targets", "series", "tagset_members", "tagsets"] {
                try db.execute(sql: "DROP TABLE \(table)")
            }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v3-rollups'")
        }
        let reopened = try temp.reopen()
        let q = CallQuery(project: project, from: Self.date(Self.start - 6 * Self.hour), to: Self.date(Self.start + 26 * Self.hour))
        try await check(reopened, q, RollupTruth(calls: calls), "backfilled")
        let otherSummary = try await reopened.summary(Traffic.query(project: other))
        #expect(otherSummary.calls == 15 && otherSummary.sessions == 3)
        // New calls land on top of the backfilled rollups.
        let more = RandomTraffic.calls(count: 300, start: Self.start, seconds: 3600, seed: 78)
        try await reopened.insert(more, project: project)
        try await check(reopened, q, RollupTruth(calls: calls + more), "backfilled + new")
    }
}
