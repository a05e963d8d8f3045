import Foundation

/// One bucket of ``CallStore/timeseries(_:bucketSeconds:)``: requests that started in `[start, start + bucket)`.
public struct TimeBucketStats: Codable, Sendable, Equatable {
    public var start: Date
    /// Requests (notifications and pollution records excluded).
    public var calls: Int
    /// Requests whose outcome is not `ok`.
    public var errors: Int
    /// Count per outcome name, every key present (`ok`, `toolError`, `error`, `cancelled`, `noResponse`).
    public var outcomes: [String: Int]
    public var p50Ms: Double?
    public var p95Ms: Double?
    public var p99Ms: Double?

    public init(start: Date, calls: Int, errors: Int, outcomes: [String: Int], p50Ms: Double?, p95Ms: Double?, p99Ms: Double?) {
        self.start = start
        self.calls = calls
        self.errors = errors
        self.outcomes = outcomes
        self.p50Ms = p50Ms
        self.p95Ms = p95Ms
        self.p99Ms = p99Ms
    }
}
