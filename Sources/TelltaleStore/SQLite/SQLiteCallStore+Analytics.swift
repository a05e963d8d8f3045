import Foundation
import GRDB
import TelltaleCore

extension SQLiteCallStore {
    /// Requests per time bucket of `bucketSeconds`, every bucket from the one holding `from` while `start < to`.
    ///
    /// - Throws: ``StoreError/invalidBucket(_:)`` unless `bucketSeconds` is a positive multiple of 60
    ///   (and of 3600 from an hour up).
    public func timeseries(_ query: CallQuery, bucketSeconds: Int) async throws -> [TimeBucketStats] {
        let bucket = try Self.bucketMicros(bucketSeconds)
        return try await pool.read { db in
            var scan = RollupScan(dimensions: [], bucketMicros: bucket, latency: true)
            try scan.run(query, db, catalog: self.seriesCatalog)
            var perBucket: [Int64: RollupAccumulator] = [:]
            for (cell, accumulator) in scan.cells { perBucket[cell.bucket, default: RollupAccumulator()].merge(accumulator) }
            let from = CallRow.microseconds(query.from), to = CallRow.microseconds(query.to)
            guard from < to else { return [] }
            var start = RollupBatch.Tier(table: "", micros: bucket).floor(from)
            var result: [TimeBucketStats] = []
            while start < to {
                let stats = perBucket[start] ?? RollupAccumulator()
                let latency = stats.latency
                result.append(TimeBucketStats(
                    start: CallRow.date(microseconds: start), calls: Int(stats.calls), errors: stats.errors,
                    outcomes: stats.outcomeCounts, p50Ms: latency.p50Ms, p95Ms: latency.p95Ms, p99Ms: latency.p99Ms))
                start += bucket
            }
            return result
        }
    }

    /// Request stats grouped by `dimensions`, most requests first, then by dimension values.
    ///
    /// - Throws: ``StoreError/invalidBucket(_:)`` when `.bucket` is grouped without a valid `bucketSeconds`.
    public func breakdown(
        _ query: CallQuery, by dimensions: Set<BreakdownDimension>, bucketSeconds: Int?, latency: Bool
    ) async throws -> [BreakdownRow] {
        let bucket: Int64? = dimensions.contains(.bucket) ? try Self.bucketMicros(bucketSeconds ?? 0) : nil
        let grouped = Set(dimensions.compactMap(Self.seriesDimension))
        return try await pool.read { db in
            var scan = RollupScan(dimensions: grouped, bucketMicros: bucket, latency: latency)
            try scan.run(query, db, catalog: self.seriesCatalog)
            return scan.cells.compactMap { cell, stats -> BreakdownRow? in
                guard stats.calls > 0 else { return nil }
                let group = scan.groups[cell.group]
                return BreakdownRow(
                    server: group.serverName, serverVersion: group.serverVersion, client: group.clientName,
                    clientVersion: group.clientVersion, method: group.method, target: group.target,
                    bucket: bucket == nil ? nil : CallRow.date(microseconds: cell.bucket),
                    calls: Int(stats.calls), errors: stats.errors, toolErrors: stats.toolErrors,
                    latency: latency ? stats.latency : nil, firstSeen: stats.firstSeenDate, lastSeen: stats.lastSeenDate)
            }.sorted(by: Self.breakdownOrder)
        }
    }

    static func seriesDimension(_ dimension: BreakdownDimension) -> SeriesDimension? {
        switch dimension {
        case .server: .serverName
        case .serverVersion: .serverVersion
        case .client: .clientName
        case .clientVersion: .clientVersion
        case .method: .method
        case .target: .target
        case .bucket: nil
        }
    }

    /// Calls descending, then each dimension ascending (nil first).
    static func breakdownOrder(_ lhs: BreakdownRow, _ rhs: BreakdownRow) -> Bool {
        if lhs.calls != rhs.calls { return lhs.calls > rhs.calls }
        let pairs: [(String?, String?)] = [
            (lhs.server, rhs.server), (lhs.serverVersion, rhs.serverVersion), (lhs.client, rhs.client),
            (lhs.clientVersion, rhs.clientVersion), (lhs.method, rhs.method), (lhs.target, rhs.target),
        ]
        for (a, b) in pairs where a != b {
            guard let a else { return true }
            guard let b else { return false }
            return a < b
        }
        return (lhs.bucket ?? .distantPast) < (rhs.bucket ?? .distantPast)
    }

    /// A time bucket in microseconds, checked.
    static func bucketMicros(_ seconds: Int) throws -> Int64 {
        guard seconds >= 60, seconds % 60 == 0, seconds < 3600 || seconds % 3600 == 0, seconds <= 366 * 86_400 else {
            throw StoreError.invalidBucket(seconds)
        }
        return Int64(seconds) * 1_000_000
    }
}
