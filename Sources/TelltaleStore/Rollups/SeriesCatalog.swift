import Foundation
import GRDB
import Synchronization

/// The dimensions of a stored series, as queries read them (`''` mapped back to nil).
struct SeriesInfo: Sendable {
    var projection: Projection
    var serverName: String?
    var serverVersion: String?
    var clientName: String?
    var clientVersion: String?
    var method: String?
    var target: String?
    var tagset: Int64
}

/// Every series of the database by id, loaded incrementally: series are never deleted or changed, so only
/// ids above the highest one known are read on each query.
final class SeriesCatalog: Sendable {
    private let state = Mutex<[SeriesInfo?]>([])

    /// The series by id (index), including every series visible to `db`'s snapshot.
    func snapshot(_ db: Database) throws -> [SeriesInfo?] {
        let known = state.withLock { $0 }
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, projection, server_name, server_version, client_name, client_version, method, target, tagset_id
            FROM series WHERE id >= ? ORDER BY id
            """, arguments: [known.count])
        guard !rows.isEmpty else { return known }
        var updated = known
        for row in rows {
            let id = Int(row[0] as Int64)
            guard let projection = Projection(rawValue: row[1]) else { continue }
            func text(_ index: Int) -> String? {
                let value: String = row[index]
                return value.isEmpty ? nil : value
            }
            let info = SeriesInfo(
                projection: projection, serverName: text(2), serverVersion: text(3), clientName: text(4),
                clientVersion: text(5), method: text(6), target: text(7), tagset: row[8])
            if id >= updated.count { updated.append(contentsOf: repeatElement(nil, count: id - updated.count + 1)) }
            updated[id] = info
        }
        state.withLock { current in
            if updated.count > current.count { current = updated }
        }
        return updated
    }
}
