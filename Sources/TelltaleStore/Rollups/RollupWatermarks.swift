import Foundation
import GRDB

/// How far each coarse rollup tier is complete: below its watermark a tier holds every call, at and above
/// it the tier holds nothing and the minute tier is the only source.
///
/// Ingest writes the minute tier for every call, and the coarser tiers only for calls older than their
/// watermark (late calls). ``RollupCompaction`` builds the coarse rows of closed periods from the finer
/// tier and moves the watermark forward in the same transaction; the query plan (``RollupPlan``) reads a
/// coarse tier only below its watermark. Watermarks are aligned to their tier's buckets, shared by every
/// project, and never decrease. Stored in `rollup_watermarks` (migration `v4-rollup-watermarks`).
struct RollupWatermarks: Equatable {
    /// Microseconds, per tier in `RollupBatch.Tier.all` order; the minute tier's is `Int64.max`.
    private var values: [Int64]

    /// Every tier complete everywhere (how the `v3-rollups` backfill writes).
    static let complete = RollupWatermarks(values: RollupBatch.Tier.all.map { _ in Int64.max })

    /// The watermark of `tier`.
    func until(_ tier: RollupBatch.Tier) -> Int64 {
        values[Self.index(tier)]
    }

    mutating func set(_ tier: RollupBatch.Tier, _ value: Int64) {
        values[Self.index(tier)] = value
    }

    private static func index(_ tier: RollupBatch.Tier) -> Int {
        RollupBatch.Tier.all.firstIndex(of: tier)!
    }

    /// The stored watermarks (read inside the caller's transaction, so they match the rollup rows it reads).
    static func load(_ db: Database) throws -> RollupWatermarks {
        var result = complete
        let statement = try RawStatement(db, sql: "SELECT tier, until FROM rollup_watermarks")
        defer { statement.finish() }
        while try statement.step() {
            let micros = statement.int64(0)
            if let tier = RollupBatch.Tier.all.first(where: { $0.micros == micros }) {
                result.set(tier, statement.int64(1))
            }
        }
        return result
    }

    /// Stores the watermark of `tier`.
    static func store(_ tier: RollupBatch.Tier, _ value: Int64, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO rollup_watermarks (tier, until) VALUES (?, ?) ON CONFLICT (tier) DO UPDATE SET until = excluded.until",
            arguments: [tier.micros, value])
    }

    /// The `v4-rollup-watermarks` migration: the `v3-rollups` tiers are complete for every stored call, so each
    /// coarse tier's watermark starts just after the newest minute row (0 for an empty store: nothing to compact).
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE rollup_watermarks (
                tier INTEGER PRIMARY KEY,  -- bucket length in microseconds
                until INTEGER NOT NULL
            )
            """)
        let newest = try Int64.fetchOne(db, sql: "SELECT max(bucket) FROM rollup_minute")
        for tier in RollupBatch.Tier.all.dropFirst() {
            try store(tier, newest.map { tier.floor($0) + tier.micros } ?? 0, db)
        }
    }
}
