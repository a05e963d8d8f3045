/// The traffic of a rule's scope over its window, as its condition reads it.
public struct AlertWindowCounts: Sendable, Equatable {
    /// Requests (notifications excluded).
    public var requests: Int
    public var notifications: Int
    /// Requests whose outcome is not `ok` (tool errors included).
    public var failed: Int
    /// Requests whose outcome is `toolError`.
    public var toolErrors: Int
    /// Latency percentiles in ms (nil without requests).
    public var p50Ms: Double?
    public var p95Ms: Double?
    public var p99Ms: Double?
    /// Requests in the preceding window of the same length (throughput collapse only).
    public var baselineRequests: Int?

    public init(requests: Int, notifications: Int = 0, failed: Int = 0, toolErrors: Int = 0, p50Ms: Double? = nil,
                p95Ms: Double? = nil, p99Ms: Double? = nil, baselineRequests: Int? = nil) {
        self.requests = requests
        self.notifications = notifications
        self.failed = failed
        self.toolErrors = toolErrors
        self.p50Ms = p50Ms
        self.p95Ms = p95Ms
        self.p99Ms = p99Ms
        self.baselineRequests = baselineRequests
    }
}
