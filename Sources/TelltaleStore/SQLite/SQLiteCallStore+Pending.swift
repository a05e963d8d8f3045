// TEMPORARY (issue 3 work in progress): lets the server and dashboard compile against the new
// CallStore contract while the rollup engine is written. Deleted by the store branch; must not ship.
import Foundation

struct PendingStoreFeature: Error, CustomStringConvertible {
    var name: String
    var description: String { "\(name) is not implemented yet" }
}

extension SQLiteCallStore {
    public func timeseries(_ query: CallQuery, bucketSeconds: Int) async throws -> [TimeBucketStats] { throw PendingStoreFeature(name: #function) }
    public func breakdown(_ query: CallQuery, by dimensions: Set<BreakdownDimension>, bucketSeconds: Int?, latency: Bool) async throws -> [BreakdownRow] { throw PendingStoreFeature(name: #function) }
    public func sessionErrorCounts(_ query: CallQuery) async throws -> SessionErrorCounts { throw PendingStoreFeature(name: #function) }
}
