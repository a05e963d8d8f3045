import Foundation
import GRDB
import TelltaleCore

/// The rollup and session changes of one batch of new records, aggregated in memory and written at once.
///
/// Records are first grouped per (minute, full series); ``write(_:cache:watermarks:)`` then resolves series
/// ids, derives the smaller projections (and, for late calls, the coarse tiers) from those groups, and
/// upserts each row once, merging latency sketches in SQL (``SketchMergeFunction``). Sessions and their targets get one
/// upsert each. Runs inside the insert's transaction, so rollups commit (or roll back) with the calls.
struct RollupBatch {
    /// The series of a record before ids are known (`''` for missing values and for no tags).
    struct Dims: Hashable {
        var serverName: String
        var serverVersion: String
        var clientName: String
        var clientVersion: String
        var method: String
        var target: String
        var tagsJSON: String

        /// Hashes the fields that vary most (equality still compares all): this runs once per new record.
        func hash(into hasher: inout Hasher) {
            hasher.combine(target)
            hasher.combine(clientVersion)
            hasher.combine(tagsJSON.utf8.count)
        }
    }

    struct MinuteKey: Hashable {
        var minute: Int64
        var dims: Dims
    }

    struct BucketKey: Hashable {
        var bucket: Int64
        var series: Int64
    }

    struct SessionTargetKey: Hashable {
        var session: String
        var method: String
        var target: String

        func hash(into hasher: inout Hasher) {
            hasher.combine(session)
            hasher.combine(target)
        }
    }

    /// A rollup table and the length of its buckets in microseconds.
    struct Tier: Sendable {
        var table: String
        var micros: Int64

        static let minute = Tier(table: "rollup_minute", micros: 60_000_000)
        /// 15 minutes: the chart buckets of ranges up to a day, and shorter minute edges on longer ranges.
        static let quarter = Tier(table: "rollup_quarter", micros: 900_000_000)
        static let hour = Tier(table: "rollup_hour", micros: 3_600_000_000)
        static let day = Tier(table: "rollup_day", micros: 86_400_000_000)
        /// Finest first; each tier's length divides the next one's.
        static let all = [minute, quarter, hour, day]

        /// Start of the bucket holding `micros`.
        func floor(_ micros: Int64) -> Int64 {
            let remainder = micros % self.micros
            return micros - (remainder < 0 ? remainder + self.micros : remainder)
        }
    }

    let project: ProjectID
    private(set) var minutes: [MinuteKey: RollupAccumulator] = [:]
    private(set) var sessions: [String: SessionAccumulator] = [:]
    /// The session of the previous record and its accumulator, not yet stored in `sessions` (records of a
    /// batch mostly come in runs of one session).
    private var currentSession: (id: String, accumulator: SessionAccumulator)?
    private(set) var sessionTargets: [SessionTargetKey: (calls: Int64, errors: Int64)] = [:]
    /// Start of the newest record (microseconds); drives ``RollupCompaction``.
    private(set) var newest = Int64.min

    init(project: ProjectID) {
        self.project = project
    }

    var isEmpty: Bool { sessions.isEmpty && currentSession == nil }

    /// Counts one new record.
    mutating func add(_ input: RollupInput) {
        if input.startedAt > newest { newest = input.startedAt }
        if currentSession?.id == input.session {
            currentSession!.accumulator.add(input)
        } else {
            if let (id, accumulator) = currentSession { sessions[id] = accumulator }
            var accumulator = sessions.removeValue(forKey: input.session) ?? SessionAccumulator()
            accumulator.add(input)
            currentSession = (input.session, accumulator)
        }
        guard input.kind != .pollution else { return }
        let dims = Dims(
            serverName: input.serverName ?? "", serverVersion: input.serverVersion ?? "",
            clientName: input.clientName ?? "", clientVersion: input.clientVersion ?? "",
            method: input.method, target: input.target ?? "", tagsJSON: input.tagsJSON ?? "")
        let key = MinuteKey(minute: Tier.minute.floor(input.startedAt), dims: dims)
        if input.kind == .request {
            minutes[key, default: RollupAccumulator()]
                .addRequest(outcome: input.outcome, durationNs: input.durationNs, startedAt: input.startedAt)
            if let target = input.target {
                let error: Int64 = input.outcome == .ok ? 0 : 1
                let targetKey = SessionTargetKey(session: input.session, method: input.method, target: target)
                sessionTargets[targetKey, default: (0, 0)].calls += 1
                sessionTargets[targetKey, default: (0, 0)].errors += error
            }
        } else {
            minutes[key, default: RollupAccumulator()].addNotification(startedAt: input.startedAt)
        }
    }

    /// Adds the records of another batch of the same project (as if added after this batch's).
    ///
    /// Lets each insert batch aggregate its records before it waits for the writer; the group commit then
    /// only merges the groups.
    mutating func merge(_ other: RollupBatch) {
        for (key, accumulator) in other.minutes {
            if minutes[key] == nil {
                minutes[key] = accumulator
            } else {
                minutes[key]!.merge(accumulator)
            }
        }
        if let (id, accumulator) = currentSession {
            sessions[id] = accumulator
            currentSession = nil
        }
        // `other.currentSession` is never also in `other.sessions` (see ``add(_:)``).
        for (id, accumulator) in other.sessions {
            if sessions[id] == nil { sessions[id] = accumulator } else { sessions[id]!.merge(accumulator) }
        }
        if let (id, accumulator) = other.currentSession {
            if sessions[id] == nil { sessions[id] = accumulator } else { sessions[id]!.merge(accumulator) }
        }
        for (key, counts) in other.sessionTargets {
            sessionTargets[key, default: (0, 0)].calls += counts.calls
            sessionTargets[key, default: (0, 0)].errors += counts.errors
        }
        newest = max(newest, other.newest)
    }

    /// Upserts the minute tier of every projection, the coarser tiers of records older than their
    /// watermark (the others are built by ``RollupCompaction``), the sessions and their targets.
    func write(_ db: Database, cache: RollupCache, watermarks: RollupWatermarks) throws {
        guard !isEmpty else { return }
        // Series ids of every projection, per distinct full series of the batch.
        var ids: [Dims: (full: Int64, target: Int64, server: Int64, peer: Int64)] = [:]
        for key in minutes.keys where ids[key.dims] == nil {
            let dims = key.dims
            let full = SeriesKey(
                projection: .full, serverName: dims.serverName, serverVersion: dims.serverVersion,
                clientName: dims.clientName, clientVersion: dims.clientVersion, method: dims.method,
                target: dims.target, tagset: try cache.tagsetID(dims.tagsJSON, db))
            ids[dims] = (
                try cache.seriesID(full, db), try cache.seriesID(full.projected(.target), db),
                try cache.seriesID(full.projected(.server), db), try cache.seriesID(full.projected(.peer), db)
            )
        }
        for tier in RollupBatch.Tier.all {
            let until = watermarks.until(tier)
            for projection in Projection.allCases {
                var rows: [BucketKey: RollupAccumulator] = [:]
                rows.reserveCapacity(tier.micros == Tier.minute.micros && projection == .full ? minutes.count : 64)
                // Buckets are aligned to the tier, as the watermark is: a minute is below it iff its bucket is.
                for (key, accumulator) in minutes where key.minute < until {
                    let seriesIDs = ids[key.dims]!
                    let series = switch projection {
                    case .full: seriesIDs.full
                    case .target: seriesIDs.target
                    case .server: seriesIDs.server
                    case .peer: seriesIDs.peer
                    }
                    let bucketKey = BucketKey(bucket: tier.floor(key.minute), series: series)
                    if rows[bucketKey] == nil {
                        rows[bucketKey] = accumulator
                    } else {
                        rows[bucketKey]!.merge(accumulator)
                    }
                }
                if !rows.isEmpty { try upsert(rows, projection: projection, into: tier, db) }
            }
        }
        try writeSessions(db, cache: cache)
    }

    private func upsert(_ rows: [BucketKey: RollupAccumulator], projection: Projection, into tier: Tier, _ db: Database) throws {
        let statement = try RawStatement(db, sql: """
            INSERT INTO \(tier.table) (project_id, projection, bucket, series_id, calls, ok, tool_error, error, cancelled, no_response,
                                        notifications, first_seen, last_seen, sketch)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            \(RollupSchema.mergeOnConflict)
            """)
        defer { statement.finish() }
        for (key, row) in rows {
            statement.bind(1, project)
            statement.bind(2, projection.rawValue)
            statement.bind(3, key.bucket)
            statement.bind(4, key.series)
            statement.bind(5, row.calls)
            statement.bind(6, row.outcomes.0)
            statement.bind(7, row.outcomes.1)
            statement.bind(8, row.outcomes.2)
            statement.bind(9, row.outcomes.3)
            statement.bind(10, row.outcomes.4)
            statement.bind(11, row.notifications)
            statement.bind(12, row.firstSeen)
            statement.bind(13, row.lastSeen)
            statement.bind(14, blob: row.calls > 0 ? row.sketch.serialized() : nil)
            try statement.execute()
        }
    }

    private func writeSessions(_ db: Database, cache: RollupCache) throws {
        let statement = try RawStatement(db, sql: """
            INSERT INTO sessions (project_id, session, first_seen, last_seen, client_name, client_version,
                                  server_name, server_version, transport, tagset_id, calls, errors, notifications, pollution)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (project_id, session) DO UPDATE SET
                first_seen = min(first_seen, excluded.first_seen),
                last_seen = max(last_seen, excluded.last_seen),
                client_name = CASE WHEN excluded.client_name IS NOT NULL AND (client_name IS NULL OR excluded.last_seen >= last_seen)
                                   THEN excluded.client_name ELSE client_name END,
                client_version = CASE WHEN excluded.client_name IS NOT NULL AND (client_name IS NULL OR excluded.last_seen >= last_seen)
                                      THEN excluded.client_version ELSE client_version END,
                server_name = CASE WHEN excluded.server_name IS NOT NULL AND (server_name IS NULL OR excluded.last_seen >= last_seen)
                                   THEN excluded.server_name ELSE server_name END,
                server_version = CASE WHEN excluded.server_name IS NOT NULL AND (server_name IS NULL OR excluded.last_seen >= last_seen)
                                      THEN excluded.server_version ELSE server_version END,
                transport = CASE WHEN excluded.last_seen >= last_seen THEN excluded.transport ELSE transport END,
                tagset_id = CASE WHEN excluded.tagset_id <> 0 AND (tagset_id = 0 OR excluded.last_seen >= last_seen)
                                 THEN excluded.tagset_id ELSE tagset_id END,
                calls = calls + excluded.calls, errors = errors + excluded.errors,
                notifications = notifications + excluded.notifications, pollution = pollution + excluded.pollution
            """)
        defer { statement.finish() }
        var sessions = self.sessions
        if let (id, accumulator) = currentSession { sessions[id] = accumulator }
        for (session, row) in sessions {
            statement.bind(1, project)
            statement.bind(2, session)
            statement.bind(3, row.firstSeen)
            statement.bind(4, row.lastSeen)
            statement.bind(5, row.client?.name)
            statement.bind(6, row.client?.version)
            statement.bind(7, row.server?.name)
            statement.bind(8, row.server?.version)
            statement.bind(9, row.transport)
            statement.bind(10, try cache.tagsetID(row.tagsJSON ?? "", db))
            statement.bind(11, row.calls)
            statement.bind(12, row.errors)
            statement.bind(13, row.notifications)
            statement.bind(14, row.pollution)
            try statement.execute()
        }
        guard !sessionTargets.isEmpty else { return }
        // Rows go in statements of `targetChunk` rows (one step each), the remainder one by one: a statement per
        // row was most of the cost of these small rows.
        let rows = Array(sessionTargets)
        let chunked = rows.count - rows.count % Self.targetChunk
        if chunked > 0 {
            let chunk = try RawStatement(db, sql: Self.sessionTargetsChunkSQL)
            defer { chunk.finish() }
            for start in stride(from: 0, to: chunked, by: Self.targetChunk) {
                for offset in 0..<Self.targetChunk {
                    bindTarget(rows[start + offset], to: chunk, at: Int32(offset * 6))
                }
                try chunk.execute()
            }
        }
        guard chunked < rows.count else { return }
        let single = try RawStatement(db, sql: Self.sessionTargetsSQL(rows: 1))
        defer { single.finish() }
        for row in rows[chunked...] {
            bindTarget(row, to: single, at: 0)
            try single.execute()
        }
    }

    private static let targetChunk = 64
    private static let sessionTargetsChunkSQL = sessionTargetsSQL(rows: targetChunk)

    private static func sessionTargetsSQL(rows: Int) -> String {
        """
        INSERT INTO session_targets (project_id, session, method, target, calls, errors)
        VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", "))
        ON CONFLICT (project_id, method, target, session) DO UPDATE SET
            calls = calls + excluded.calls, errors = errors + excluded.errors
        """
    }

    private func bindTarget(_ row: (key: SessionTargetKey, value: (calls: Int64, errors: Int64)), to statement: RawStatement,
                            at base: Int32) {
        statement.bind(base + 1, project)
        statement.bind(base + 2, row.key.session)
        statement.bind(base + 3, row.key.method)
        statement.bind(base + 4, row.key.target)
        statement.bind(base + 5, row.value.calls)
        statement.bind(base + 6, row.value.errors)
    }
}
