import Foundation
import Testing
import TelltaleCore
@testable import TelltaleStore

/// Compaction of closed periods into the coarse tiers, the watermarks, and late calls.
extension RollupTests {
    func watermarks(_ store: SQLiteCallStore) async throws -> RollupWatermarks {
        try await store.pool.read { db in try RollupWatermarks.load(db) }
    }

    @Test("the plan reads a coarse tier only below its watermark, and finer tiers above it")
    func planWatermarks() {
        let base = Self.start + Self.hour // a day boundary
        var marks = RollupWatermarks.complete
        marks.set(.day, base)
        marks.set(.hour, base + Self.hour)
        marks.set(.quarter, base + Self.hour + Self.quarter)
        let to = base + 2 * Self.hour + 7
        #expect(RollupPlan.parts(from: base - Self.day, to: to, watermarks: marks) == [
            .tier(.day, from: base - Self.day, to: base),
            .tier(.hour, from: base, to: base + Self.hour),
            .tier(.quarter, from: base + Self.hour, to: base + Self.hour + Self.quarter),
            .tier(.minute, from: base + Self.hour + Self.quarter, to: base + 2 * Self.hour),
            .raw(from: base + 2 * Self.hour, to: to),
        ])
        // Nothing compacted: minutes only, whatever the range.
        var none = RollupWatermarks.complete
        for tier in [RollupBatch.Tier.quarter, .hour, .day] { none.set(tier, 0) }
        #expect(RollupPlan.parts(from: base - Self.day - 1, to: to, watermarks: none) == [
            .raw(from: base - Self.day - 1, to: base - Self.day),
            .tier(.minute, from: base - Self.day, to: base + 2 * Self.hour),
            .raw(from: base + 2 * Self.hour, to: to),
        ])
    }

    @Test("calls in time order: closed periods are compacted, watermarks trail the newest call, queries equal the truth")
    func compactionInOrder() async throws {
        let temp = try TempStore(durability: .normal)
        defer { temp.cleanUp() }
        let project = try await temp.store.projects()[0].id
        let calls = RandomTraffic.calls(count: 3_000, start: Self.start - 2 * Self.hour, seconds: 30 * 3600, seed: 11)
            .sorted { $0.startedAt < $1.startedAt }
        var inserted: [Call] = []
        var previous = try await watermarks(temp.store)
        #expect(previous.until(.quarter) == 0 && previous.until(.hour) == 0 && previous.until(.day) == 0)
        for batch in stride(from: 0, to: calls.count, by: 250) {
            let chunk = Array(calls[batch..<min(batch + 250, calls.count)])
            try await temp.store.insert(chunk, project: project)
            inserted += chunk
            let marks = try await watermarks(temp.store)
            let newest = RollupTruth.micros(chunk.last!.startedAt)
            var finer = Int64.max
            for tier in [RollupBatch.Tier.quarter, .hour, .day] {
                let until = marks.until(tier)
                #expect(until >= previous.until(tier))
                // Each tier is compacted up to the last period closed in call time, within the finer tier's.
                #expect(until == tier.floor(min(newest - RollupCompaction.settle, finer)), "\(tier.table)")
                finer = until
            }
            #expect(marks.until(.day) <= marks.until(.hour) && marks.until(.hour) <= marks.until(.quarter))
            previous = marks
        }
        #expect(previous.until(.day) == RollupBatch.Tier.day.floor(RollupTruth.micros(calls.last!.startedAt) - RollupCompaction.settle))
        let truth = RollupTruth(calls: inserted)
        let q = CallQuery(project: project, from: Self.date(Self.start - 3 * Self.hour), to: Self.date(Self.start + 29 * Self.hour))
        try await check(temp.store, q, truth, "in order")
        // Exact edges around every watermark.
        for tier in [RollupBatch.Tier.quarter, .hour, .day] {
            let until = previous.until(tier)
            for (from, to) in [(until - tier.micros, until), (until - 1, until + 1), (until, until + tier.micros),
                               (until - tier.micros - 1, until + Self.minute + 1)] {
                let edge = CallQuery(project: project, from: Self.date(from), to: Self.date(to))
                #expect(try await temp.store.summary(edge).calls == truth.requests(edge).count, "\(tier.table) [\(from), \(to))")
                #expect(try await temp.store.timeseries(edge, bucketSeconds: 900).map(\.calls).reduce(0, +) == truth.requests(edge).count)
            }
        }
    }

    @Test("late calls before a watermark and calls right at it are counted once, in every tier")
    func lateCalls() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let project = try await temp.store.projects()[0].id
        let early = RandomTraffic.calls(count: 1_500, start: Self.start - 30 * Self.hour, seconds: 30 * 3600, seed: 21)
        try await temp.store.insert(early, project: project)
        let marks = try await watermarks(temp.store)
        #expect(marks.until(.quarter) > Self.start - 30 * Self.hour && marks.until(.day) > 0)
        // Calls on both sides of each watermark, 1 µs apart, and random late calls across compacted periods.
        var late: [Call] = []
        for tier in [RollupBatch.Tier.quarter, .hour, .day] {
            let until = marks.until(tier)
            for (offset, micros) in [until - 1, until, until + 1, until - tier.micros].enumerated() {
                late.append(Call(
                    id: "late-\(tier.micros)-\(offset)", startedAt: Self.date(micros), durationNs: 5_000_000 * Int64(offset + 1),
                    method: "tools/call", target: "search", outcome: offset == 1 ? .error : .ok, session: "late-\(offset)",
                    client: PeerInfo(name: "cursor", version: "1.0"), server: PeerInfo(name: "alpha", version: "1.0"),
                    tags: ["env": "prod"]))
            }
        }
        late += RandomTraffic.calls(count: 800, start: Self.start - 40 * Self.hour, seconds: 30 * 3600, seed: 22)
        for batch in stride(from: 0, to: late.count, by: 200) {
            try await temp.store.insert(Array(late[batch..<min(batch + 200, late.count)]), project: project)
        }
        #expect(try await watermarks(temp.store) == marks)
        let truth = RollupTruth(calls: early + late)
        let q = CallQuery(project: project, from: Self.date(Self.start - 41 * Self.hour), to: Self.date(Self.start + Self.hour))
        try await check(temp.store, q, truth, "late")
        for tier in [RollupBatch.Tier.quarter, .hour, .day] {
            let until = marks.until(tier)
            for (from, to) in [(until - 1, until), (until, until + 1), (until - tier.micros, until + tier.micros)] {
                let edge = CallQuery(project: project, from: Self.date(from), to: Self.date(to))
                #expect(try await temp.store.summary(edge).calls == truth.requests(edge).count, "\(tier.table) [\(from), \(to))")
            }
        }
        // Newer calls compact again on top of the late ones.
        let newer = RandomTraffic.calls(count: 600, start: Self.start, seconds: 20 * 3600, seed: 23).sorted { $0.startedAt < $1.startedAt }
        try await temp.store.insert(newer, project: project)
        #expect(try await watermarks(temp.store).until(.quarter) > marks.until(.quarter))
        try await check(temp.store, CallQuery(project: project, from: Self.date(Self.start - 41 * Self.hour), to: Self.date(Self.start + 21 * Self.hour)),
                        RollupTruth(calls: early + late + newer), "late + newer")
    }

    @Test("calls stamped in the future close no period")
    func futureCalls() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let project = try await temp.store.projects()[0].id
        let now = RollupTruth.micros(Date())
        let calls = RandomTraffic.calls(count: 300, start: now + Self.day, seconds: 2 * 3600, seed: 31)
        try await temp.store.insert(calls, project: project)
        let marks = try await watermarks(temp.store)
        #expect(marks.until(.quarter) <= now - RollupCompaction.settle)
        let q = CallQuery(project: project, from: Self.date(now + Self.day - Self.hour), to: Self.date(now + Self.day + 3 * Self.hour))
        try await check(temp.store, q, RollupTruth(calls: calls), "future")
    }
}

extension RollupTests {
    @Test("concurrent batches that share sessions give the same sessions and rollups as one batch")
    func concurrentBatchesMerge() async throws {
        let together = try TempStore(durability: .normal), apart = try TempStore(durability: .normal)
        defer {
            together.cleanUp()
            apart.cleanUp()
        }
        let project = try await together.store.projects()[0].id
        #expect(try await apart.store.projects()[0].id == project)
        // Sessions of ~15 consecutive records split over batches of 6: most sessions span concurrent batches.
        let calls = RandomTraffic.calls(count: 1_800, start: Self.start, seconds: 3 * 3600, seed: 41)
        try await together.store.insert(calls, project: project)
        let store = apart.store
        let inserted = try await withThrowingTaskGroup(of: Int.self) { group in
            for batch in stride(from: 0, to: calls.count, by: 6) {
                let chunk = Array(calls[batch..<min(batch + 6, calls.count)])
                group.addTask { try await store.insert(chunk, project: project) }
            }
            return try await group.reduce(0, +)
        }
        #expect(inserted == calls.count)
        let q = CallQuery(project: project, from: Self.date(Self.start - Self.hour), to: Self.date(Self.start + 4 * Self.hour))
        let expected = try await together.store.sessions(q, order: .recent, limit: 10_000)
        #expect(expected.count == 120)
        #expect(try await apart.store.sessions(q, order: .recent, limit: 10_000) == expected)
        try await check(apart.store, q, RollupTruth(calls: calls), "concurrent batches")
    }
}

extension RollupTests {
    @Test("upgrading a v2 database: v3 backfills every tier, v4 starts the watermarks after the newest call, v5 rekeys session targets")
    func upgradeFromV2() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let project = try await temp.store.projects()[0].id
        let calls = RandomTraffic.calls(count: 1_500, start: Self.start - 5 * Self.hour, seconds: 30 * 3600, seed: 51)
        try await temp.store.insert(calls, project: project)
        try await temp.store.pool.write { db in
            for table in ["rollup_minute", "rollup_quarter", "rollup_hour", "rollup_day", "sessions", "session_targets", "series",
                          "tagset_members", "tagsets", "rollup_watermarks"] {
                try db.execute(sql: "DROP TABLE \(table)")
            }
            try db.execute(sql: """
                DELETE FROM grdb_migrations WHERE identifier IN ('v3-rollups', 'v4-rollup-watermarks', 'v5-session-targets-by-target')
                """)
        }
        let reopened = try temp.reopen()
        let marks = try await watermarks(reopened)
        let newest = calls.map { RollupTruth.micros($0.startedAt) }.max()!
        for tier in [RollupBatch.Tier.quarter, .hour, .day] {
            #expect(marks.until(tier) == tier.floor(RollupBatch.Tier.minute.floor(newest)) + tier.micros, "\(tier.table)")
        }
        let q = CallQuery(project: project, from: Self.date(Self.start - 6 * Self.hour), to: Self.date(Self.start + 40 * Self.hour))
        try await check(reopened, q, RollupTruth(calls: calls), "upgraded")
        let targetQuery = CallQuery(project: project, from: q.from, to: q.to, tool: "search")
        try await check(reopened, targetQuery, RollupTruth(calls: calls), "upgraded, tool filter")
        // Late calls, then newer ones that compact past the initial watermarks.
        let late = RandomTraffic.calls(count: 300, start: Self.start, seconds: 3600, seed: 52)
        let newer = RandomTraffic.calls(count: 600, start: newest, seconds: 10 * 3600, seed: 53).sorted { $0.startedAt < $1.startedAt }
        try await reopened.insert(late, project: project)
        try await reopened.insert(newer, project: project)
        #expect(try await watermarks(reopened).until(.quarter) > marks.until(.quarter))
        try await check(reopened, q, RollupTruth(calls: calls + late + newer), "upgraded + late + newer")
    }
}
