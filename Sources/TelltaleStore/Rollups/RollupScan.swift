import Foundation
import GRDB
import TelltaleCore

/// Reads a query's range from the rollup tiers and the raw edges, and merges it into groups in Swift.
///
/// The plan (``RollupPlan``) decides which parts of the range come from which tier. Rollup rows are read
/// from the smallest ``Projection`` that keeps every grouped and filtered dimension; their series is mapped
/// to a group once per series, so the per-row work is a dictionary update and, when latency is asked for,
/// a sketch merge straight from the stored bytes.
struct RollupScan {
    /// The values of the grouped dimensions (nil for the others, and for missing values).
    struct Group: Hashable {
        var serverName: String?
        var serverVersion: String?
        var clientName: String?
        var clientVersion: String?
        var method: String?
        var target: String?
    }

    struct Cell: Hashable {
        var group: Int
        /// Start of the time bucket (microseconds), 0 when not grouping by time.
        var bucket: Int64
    }

    /// The grouped dimensions (tag sets are never grouped).
    var dimensions: Set<SeriesDimension>
    /// Time bucket length in microseconds, nil for one bucket over the whole range.
    var bucketMicros: Int64?
    /// Whether to merge latency sketches.
    var latency: Bool
    /// Only records of this method (the per-target tables).
    var method: String?

    private(set) var groups: [Group] = []
    private(set) var cells: [Cell: RollupAccumulator] = [:]
    private var groupIndex: [Group: Int] = [:]

    init(dimensions: Set<SeriesDimension>, bucketMicros: Int64? = nil, latency: Bool, method: String? = nil) {
        self.dimensions = dimensions
        self.bucketMicros = bucketMicros
        self.latency = latency
        self.method = method
    }

    /// Reads `[query.from, query.to)` with the query's filters.
    mutating func run(_ query: CallQuery, _ db: Database, catalog: SeriesCatalog) throws {
        let from = CallRow.microseconds(query.from), to = CallRow.microseconds(query.to)
        guard from < to else { return }
        let filter = try RollupFilter(query, db)
        var needed = dimensions.union(filter.dimensions)
        if method != nil { needed.insert(.method) }
        let projection = Projection.smallest(covering: needed)
        let coarsest = bucketMicros.map(RollupPlan.coarsest(forBucket:)) ?? RollupBatch.Tier.day.micros
        let parts = RollupPlan.parts(from: from, to: to, coarsest: coarsest, watermarks: try RollupWatermarks.load(db))
        var seriesGroups: [Int]?
        for part in parts {
            switch part {
            case let .raw(from, to):
                try scanRaw(query, from: from, to: to, db)
            case let .tier(tier, from, to):
                if seriesGroups == nil {
                    seriesGroups = mapSeries(try catalog.snapshot(db), projection: projection, filter: filter)
                }
                try scanTier(tier, projection: projection, project: query.project, from: from, to: to,
                             seriesGroups: seriesGroups!, db)
            }
        }
    }

    /// Group index of every series id of the projection that passes the filters, -1 for the others.
    private mutating func mapSeries(_ catalog: [SeriesInfo?], projection: Projection, filter: RollupFilter) -> [Int] {
        var result = [Int](repeating: -1, count: catalog.count)
        for (id, series) in catalog.enumerated() {
            guard let series, series.projection == projection, filter.matches(series) else { continue }
            if let method, series.method != method { continue }
            result[id] = index(of: Group(
                serverName: series.serverName, serverVersion: series.serverVersion, clientName: series.clientName,
                clientVersion: series.clientVersion, method: series.method, target: series.target))
        }
        return result
    }

    /// The index of a group given with every dimension; the ungrouped ones are dropped here.
    private mutating func index(of full: Group) -> Int {
        var group = Group()
        if dimensions.contains(.serverName) { group.serverName = full.serverName }
        if dimensions.contains(.serverVersion) { group.serverVersion = full.serverVersion }
        if dimensions.contains(.clientName) { group.clientName = full.clientName }
        if dimensions.contains(.clientVersion) { group.clientVersion = full.clientVersion }
        if dimensions.contains(.method) { group.method = full.method }
        if dimensions.contains(.target) { group.target = full.target }
        if let index = groupIndex[group] { return index }
        groups.append(group)
        groupIndex[group] = groups.count - 1
        return groups.count - 1
    }

    @inline(__always)
    private func bucket(of micros: Int64) -> Int64 {
        guard let bucketMicros else { return 0 }
        let remainder = micros % bucketMicros
        return micros - (remainder < 0 ? remainder + bucketMicros : remainder)
    }

    private mutating func scanTier(
        _ tier: RollupBatch.Tier, projection: Projection, project: ProjectID, from: Int64, to: Int64,
        seriesGroups: [Int], _ db: Database
    ) throws {
        let statement = try RawStatement(db, sql: """
            SELECT bucket, series_id, calls, ok, tool_error, error, cancelled, no_response, notifications,
                   first_seen, last_seen\(latency ? ", sketch" : "")
            FROM \(tier.table) WHERE project_id = ? AND projection = ? AND bucket >= ? AND bucket < ?
            """)
        defer { statement.finish() }
        statement.bind(1, project)
        statement.bind(2, projection.rawValue)
        statement.bind(3, from)
        statement.bind(4, to)
        while try statement.step() {
            let series = Int(statement.int64(1))
            guard series < seriesGroups.count, case let group = seriesGroups[series], group >= 0 else { continue }
            let cell = Cell(group: group, bucket: bucket(of: statement.int64(0)))
            // Static, so that `self` (and its `cells`) is not borrowed while one cell is modified in place.
            try Self.update(&cells[cell, default: RollupAccumulator()], statement, latency: latency)
        }
    }

    @inline(__always)
    private static func update(_ accumulator: inout RollupAccumulator, _ statement: RawStatement, latency: Bool) throws {
        accumulator.addCounts(
            calls: statement.int64(2),
            outcomes: (statement.int64(3), statement.int64(4), statement.int64(5), statement.int64(6), statement.int64(7)),
            notifications: statement.int64(8), firstSeen: statement.int64(9), lastSeen: statement.int64(10))
        if latency, let bytes = statement.blob(11) {
            try accumulator.sketch.merge(serialized: bytes)
        }
    }

    private mutating func scanRaw(_ query: CallQuery, from: Int64, to: Int64, _ db: Database) throws {
        var filter = CallFilter(query, from: from, to: to).and("kind IN ('request', 'notification')")
        if let method { filter = filter.and("method = ?", [method]) }
        let rows = try Row.fetchCursor(db, sql: """
            SELECT started_at, kind, outcome, duration_ns, server_name, server_version, client_name, client_version,
                   method, target
            FROM calls WHERE \(filter.sql)
            """, arguments: filter.arguments)
        func text(_ row: Row, _ index: Int) -> String? {
            guard let value = row[index] as String?, !value.isEmpty else { return nil }
            return value
        }
        while let row = try rows.next() {
            let group = index(of: Group(
                serverName: text(row, 4), serverVersion: text(row, 5), clientName: text(row, 6),
                clientVersion: text(row, 7), method: text(row, 8), target: text(row, 9)))
            let startedAt: Int64 = row[0]
            let cell = Cell(group: group, bucket: bucket(of: startedAt))
            if row[1] as String == CallKind.request.rawValue {
                cells[cell, default: RollupAccumulator()].addRequest(
                    outcome: try CallRow.decode(CallOutcome.self, row[2]), durationNs: row[3], startedAt: startedAt,
                    latency: latency)
            } else {
                cells[cell, default: RollupAccumulator()].addNotification(startedAt: startedAt)
            }
        }
    }

    /// Every cell's accumulator merged per group (when the caller wants totals per group only).
    func totalsPerGroup() -> [Int: RollupAccumulator] {
        var totals: [Int: RollupAccumulator] = [:]
        for (cell, accumulator) in cells {
            totals[cell.group, default: RollupAccumulator()].merge(accumulator)
        }
        return totals
    }
}
