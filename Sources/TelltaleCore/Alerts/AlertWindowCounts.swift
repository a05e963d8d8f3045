/// The traffic of a rule's scope over its window, as its condition reads it.
public struct AlertWindowCounts: Sendable, Equatable {
    /// Requests (notifications excluded).
    public var requests: Int
    /// Notifications (either direction).
    public var notifications: Int
    /// Requests whose outcome is not `ok` (tool errors included).
    public var failed: Int
    /// Requests whose outcome is `toolError`.
    public var toolErrors: Int
    /// Median (50th percentile) latency in ms; the three are nil without requests.
    public var p50Ms: Double?
    /// 95th percentile in ms.
    public var p95Ms: Double?
    /// 99th percentile in ms.
    public var p99Ms: Double?
    /// Requests in the preceding window of the same length (throughput collapse only).
    public var baselineRequests: Int?

    /// Counts of one window; unspecified ones are zero or absent.
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
