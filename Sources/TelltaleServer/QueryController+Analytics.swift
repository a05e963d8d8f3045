import Foundation
import Hummingbird
import TelltaleCore
import TelltaleStore

extension QueryController {
    /// The most buckets a `bucket` parameter may ask for.
    static let maximumBuckets = 2000

    /// `/timeseries`, `/matrix`, `/throughput`, `/sessions/concentration`, `/regressions`: thin wrappers around
    /// ``Analytics``, which the dashboard calls too.
    func registerAnalytics(on routes: RouteTable) {
        routes.add(.get, "/api/v1/timeseries", scope: .read) { request, context in
            let query = try parse(request, context)
            let bucket = try Self.bucketSeconds(request, query)
            return try JSONBody.response(try await analytics.overview(query, bucketSeconds: bucket))
        }
        routes.add(.get, "/api/v1/matrix", scope: .read) { request, context in
            let query = try parse(request, context)
            return try JSONBody.response(try await analytics.matrix(query))
        }
        routes.add(.get, "/api/v1/throughput", scope: .read) { request, context in
            let query = try parse(request, context)
            let bucket = try Self.bucketSeconds(request, query)
            return try JSONBody.response(try await analytics.throughput(query, bucketSeconds: bucket))
        }
        routes.add(.get, "/api/v1/sessions/concentration", scope: .read) { request, context in
            let query = try parse(request, context)
            return try JSONBody.response(try await analytics.concentration(query))
        }
        routes.add(.get, "/api/v1/regressions", scope: .read) { request, context in
            let query = try parse(request, context)
            return try JSONBody.response(try await analytics.regressions(query))
        }
    }

    /// The `bucket` parameter (seconds), or the default bucket for the query's range.
    /// - Throws: 400 unless it is a multiple of 60 (of 3600 from an hour up) giving at most 2000 buckets.
    static func bucketSeconds(_ request: Request, _ query: CallQuery) throws -> Int {
        guard let raw = request.uri.queryParameters["bucket"], !raw.isEmpty else {
            return Analytics.bucketSeconds(for: query)
        }
        guard let seconds = Int(raw), BucketSize.isValid(seconds) else {
            throw APIError.badRequest(
                "'bucket' must be a number of seconds that is a multiple of 60 (of 3600 from 3600 up), got '\(raw)'",
                details: ["parameter": "bucket"]
            )
        }
        let count = BucketSize.count(from: query.from, to: query.to, seconds: seconds)
        guard count <= maximumBuckets else {
            throw APIError.badRequest(
                "'bucket' of \(seconds) s gives \(count) buckets for this range; at most \(maximumBuckets) are allowed",
                details: ["parameter": "bucket"]
            )
        }
        return seconds
    }
}
