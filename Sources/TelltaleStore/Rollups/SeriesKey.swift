import Foundation

/// The dimensions of one rollup series: which server, client, method, target and tag set the counts are about.
///
/// Rollup rows reference a series by integer id (the `series` table), so the rollup tables stay narrow and
/// their primary key is `(project_id, bucket, series_id)`. Missing values are stored as `''` (a primary key
/// cannot hold NULL) and read back as nil: an empty and a missing version are the same in rollups.
///
/// Each call feeds four ``Projection``s of its series: queries that need fewer dimensions read the
/// smaller ones (an overview reads one row per server and tag set per bucket, not one per series).
struct SeriesKey: Hashable, Sendable {
    var projection: Projection
    var serverName: String
    var serverVersion: String
    var clientName: String
    var clientVersion: String
    var method: String
    var target: String
    /// 0 when the call has no tags.
    var tagset: Int64

    /// The same series with the dimensions `projection` drops set to `''`.
    func projected(_ projection: Projection) -> SeriesKey {
        switch projection {
        case .full:
            return self
        case .target:
            return SeriesKey(projection: .target, serverName: serverName, serverVersion: serverVersion,
                             clientName: "", clientVersion: "", method: method, target: target, tagset: tagset)
        case .server:
            return SeriesKey(projection: .server, serverName: serverName, serverVersion: serverVersion,
                             clientName: "", clientVersion: "", method: "", target: "", tagset: tagset)
        case .peer:
            return SeriesKey(projection: .peer, serverName: serverName, serverVersion: serverVersion,
                             clientName: clientName, clientVersion: clientVersion, method: "", target: "", tagset: tagset)
        }
    }
}

/// A dimension a rollup query filters or groups on.
enum SeriesDimension: Hashable, CaseIterable {
    case serverName, serverVersion, clientName, clientVersion, method, target, tagset
}

/// Which dimensions a rollup series keeps.
enum Projection: Int64, CaseIterable, Sendable {
    /// Every dimension.
    case full = 0
    /// Server name and version, method and target, tag set.
    case target = 1
    /// Server name and version, tag set.
    case server = 2
    /// Server and client names and versions, tag set (the clients and servers tables).
    case peer = 3

    /// The dimensions this projection keeps.
    var dimensions: Set<SeriesDimension> {
        switch self {
        case .full: Set(SeriesDimension.allCases)
        // Every projection keeps the tag set: tag sets are few (environments), and a tag filter (the
        // dashboard's environment picker) then reads the small projections too.
        case .target: [.serverName, .serverVersion, .method, .target, .tagset]
        case .server: [.serverName, .serverVersion, .tagset]
        case .peer: [.serverName, .serverVersion, .clientName, .clientVersion, .tagset]
        }
    }

    /// The smallest projection that has every dimension in `needed`.
    static func smallest(covering needed: Set<SeriesDimension>) -> Projection {
        [.server, .target, .peer, .full].first { needed.isSubset(of: $0.dimensions) } ?? .full
    }
}
