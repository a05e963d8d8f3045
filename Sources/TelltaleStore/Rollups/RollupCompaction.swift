import Foundation
import GRDB

/// Builds the coarse rollup rows of closed periods from the next finer tier and advances their watermarks.
///
/// A period is closed once the newest call of a write is ``settle`` past its end (and the wall clock too,
/// so calls stamped in the future close nothing). Runs in the ingest transaction after the batch's minute
/// rows are written: the quarter tier is built from minutes, the hour tier from quarters below the quarter
/// watermark, the day tier from hours below the hour watermark. Calls that arrive later for a compacted
/// period are written to the coarse tiers directly (``RollupBatch/write(_:cache:watermarks:)``).
enum RollupCompaction {
    /// How long after a period ends (in call time) it is compacted: calls of concurrent and slightly
    /// delayed batches mostly arrive before, and the rest take the late path.
    static let settle: Int64 = 5 * 60_000_000

    /// Compacts every period closed by a write whose newest call started at `newest` (microseconds).
    static func run(_ db: Database, newest: Int64, now: Int64, watermarks: inout RollupWatermarks) throws {
        let closedUntil = min(newest, now) - settle
        var finer = RollupBatch.Tier.minute
        for tier in RollupBatch.Tier.all.dropFirst() {
            let current = watermarks.until(tier)
            let target = tier.floor(min(closedUntil, watermarks.until(finer)))
            if target > current {
                try compact(tier, from: finer, between: current, and: target, db)
                try RollupWatermarks.store(tier, target, db)
                watermarks.set(tier, target)
            }
            finer = tier
        }
    }

    /// Adds the `source` rows of `[from, to)` into `tier` (which holds nothing there yet).
    static func compact(_ tier: RollupBatch.Tier, from source: RollupBatch.Tier, between from: Int64, and to: Int64,
                        _ db: Database) throws {
        let projects = try Int64.fetchAll(db, sql: "SELECT id FROM projects")
        let statement = try RawStatement(db, sql: """
            INSERT INTO \(tier.table) (project_id, projection, bucket, series_id, calls, ok, tool_error, error, cancelled,
                                        no_response, notifications, first_seen, last_seen, sketch)
            SELECT project_id, projection, bucket - ((bucket % \(tier.micros)) + \(tier.micros)) % \(tier.micros) AS period,
                   series_id, sum(calls), sum(ok), sum(tool_error), sum(error), sum(cancelled), sum(no_response),
                   sum(notifications), min(first_seen), max(last_seen), \(SketchMergeAggregate.name)(sketch)
            FROM \(source.table)
            WHERE project_id = ? AND projection = ? AND bucket >= ? AND bucket < ?
            GROUP BY period, series_id
            \(RollupSchema.mergeOnConflict)
            """)
        defer { statement.finish() }
        for project in projects {
            for projection in Projection.allCases {
                statement.bind(1, project)
                statement.bind(2, projection.rawValue)
                statement.bind(3, from)
                statement.bind(4, to)
                try statement.execute()
            }
        }
    }
}
