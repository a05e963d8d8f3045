import Foundation

/// A dimension ``CallStore/breakdown(_:by:bucketSeconds:latency:)`` can group by.
public enum BreakdownDimension: String, Sendable, CaseIterable, Hashable {
    case server, serverVersion, client, clientVersion, method, target
    /// The time bucket (needs `bucketSeconds`).
    case bucket
}

/// One group of a breakdown: the values of the grouped dimensions (nil for the others) and request stats.
public struct BreakdownRow: Codable, Sendable, Equatable {
    public var server: String?
    public var serverVersion: String?
    public var client: String?
    public var clientVersion: String?
    public var method: String?
    public var target: String?
    public var bucket: Date?
    public var calls: Int
    /// Requests whose outcome is not `ok`.
    public var errors: Int
    public var toolErrors: Int
    /// Percentiles when asked for, else nil.
    public var latency: LatencyStats?
    public var firstSeen: Date?
    public var lastSeen: Date?

    public init(
        server: String? = nil, serverVersion: String? = nil, client: String? = nil, clientVersion: String? = nil,
        method: String? = nil, target: String? = nil, bucket: Date? = nil,
        calls: Int, errors: Int, toolErrors: Int, latency: LatencyStats? = nil, firstSeen: Date? = nil, lastSeen: Date? = nil
    ) {
        self.server = server
        self.serverVersion = serverVersion
        self.client = client
        self.clientVersion = clientVersion
        self.method = method
        self.target = target
        self.bucket = bucket
        self.calls = calls
        self.errors = errors
        self.toolErrors = toolErrors
        self.latency = latency
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }

    /// `errors / calls`, 0 when there are no calls.
    public var errorRate: Double { calls == 0 ? 0 : Double(errors) / Double(calls) }
}
