import Foundation
import TelltaleCore

/// The storage engine behind the server: durable calls, keys, and the aggregates the query API reads.
///
/// One protocol, several engines (SQLite now, ClickHouse later). Every method is safe to call
/// concurrently.
public protocol CallStore: Sendable {
    /// Inserts calls for a project, ignoring ids already stored. Returns only after the calls are durable.
    /// - Returns: how many calls were new.
    @discardableResult
    func insert(_ calls: [Call], project: ProjectID) async throws -> Int

    /// One call by id, with payloads.
    func call(id: String, project: ProjectID) async throws -> Call?

    /// Totals for the filtered range.
    func summary(_ query: CallQuery) async throws -> SummaryStats

    /// Totals for the filtered range without the session count (`sessions` is 0): rollups only, for
    /// callers that run often over long windows, such as alert evaluation.
    func callTotals(_ query: CallQuery) async throws -> SummaryStats
    /// Per-target stats for `tools/call` (`.tool`), `prompts/get` (`.prompt`) or `resources/read` (`.resource`).
    func targets(_ kind: TargetKind, _ query: CallQuery) async throws -> [TargetStats]
    /// Per client name + version.
    func clients(_ query: CallQuery) async throws -> [PeerStats]
    /// Per server name + version.
    func servers(_ query: CallQuery) async throws -> [PeerStats]
    /// All records of one session, in order of `startedAt`, with payloads.
    func sessionCalls(session: String, query: CallQuery, limit: Int) async throws -> [Call]

    // MARK: Rollup-backed analytics (dashboard)
    /// Request counts, outcomes and latency per time bucket, every bucket of the range present (empty ones too).
    ///
    /// Buckets start at multiples of `bucketSeconds` since the epoch; the first one holds `query.from`.
    func timeseries(_ query: CallQuery, bucketSeconds: Int) async throws -> [TimeBucketStats]
    /// Request stats grouped by any combination of dimensions (tool × client version, tool × time …).
    ///
    /// Only requests count (no notifications, no pollution). Latency is computed only when `latency` is true.
    func breakdown(_ query: CallQuery, by dimensions: Set<BreakdownDimension>, bucketSeconds: Int?, latency: Bool) async throws -> [BreakdownRow]
    /// Sessions active in the range ordered as asked: whole-session totals, not clipped to the range.
    func sessions(_ query: CallQuery, order: SessionOrder, limit: Int) async throws -> [SessionStats]
    /// How many sessions were active in the range, and the error count of every session that had errors.
    func sessionErrorCounts(_ query: CallQuery) async throws -> SessionErrorCounts

    // MARK: Dashboard sign-in
    /// Starts a dashboard session for an authenticated key (or a sign-in link) and returns its secret token once.
    func createDashboardSession(_ grant: DashboardGrant, expiresAt: Date) async throws -> String
    /// The live session behind a token; nil when unknown, expired, signed out, or its key was revoked.
    func dashboardSession(token: String, now: Date) async throws -> DashboardSession?
    /// Switches a session to another project (the caller checks that the grant allows it).
    func setDashboardProject(token: String, project: ProjectID) async throws
    /// Signs a session out.
    func deleteDashboardSession(token: String) async throws
    /// Creates a one-time sign-in link token for the given grant.
    func createSignInToken(_ grant: DashboardGrant, expiresAt: Date) async throws -> String
    /// Consumes a one-time sign-in token: returns its grant the first time, nil afterwards or after expiry.
    func redeemSignInToken(_ token: String, now: Date) async throws -> DashboardGrant?

    // MARK: Projects and keys
    /// The projects, creating the `default` project when there is none.
    func projects() async throws -> [Project]
    func createProject(name: String) async throws -> Project
    /// Stores a new key (hashed) and returns its plaintext exactly once.
    func createKey(project: ProjectID, scope: KeyScope, label: String?) async throws -> IssuedKey
    /// The project and scope of a plaintext key, or nil when it is unknown or revoked.
    func authenticate(key: String) async throws -> AuthenticatedKey?
}

extension CallStore {
    /// Sessions active in the range, most recently active first.
    public func sessions(_ query: CallQuery, limit: Int) async throws -> [SessionStats] {
        try await sessions(query, order: .recent, limit: limit)
    }
}

/// A project's numeric id.
public typealias ProjectID = Int64

/// Filters every query endpoint accepts.
public struct CallQuery: Sendable, Equatable {
    public var project: ProjectID
    /// Inclusive lower bound on `startedAt`.
    public var from: Date
    /// Exclusive upper bound on `startedAt`.
    public var to: Date
    public var server: String?
    public var client: String?
    public var clientVersion: String?
    /// Tool name (the target of `tools/call`).
    public var tool: String?
    /// Prompt name (the target of `prompts/get`).
    public var prompt: String?
    /// Resource URI (the target of `resources/read`).
    public var resource: String?
    /// JSON-RPC method, e.g. `tools/list` (requests and notifications of that method only).
    public var method: String?
    /// Tag filters, `key=value`; all must match.
    public var tags: [String: String]

    public init(
        project: ProjectID, from: Date, to: Date,
        server: String? = nil, client: String? = nil, clientVersion: String? = nil,
        tool: String? = nil, prompt: String? = nil, resource: String? = nil, method: String? = nil,
        tags: [String: String] = [:]
    ) {
        self.project = project
        self.from = from
        self.to = to
        self.server = server
        self.client = client
        self.clientVersion = clientVersion
        self.tool = tool
        self.prompt = prompt
        self.resource = resource
        self.method = method
        self.tags = tags
    }
}

/// Latency percentiles in milliseconds (nil when there is no request in the range).
public struct LatencyStats: Codable, Sendable, Equatable {
    public var p50Ms: Double?
    public var p95Ms: Double?
    public var p99Ms: Double?
    public init(p50Ms: Double? = nil, p95Ms: Double? = nil, p99Ms: Double? = nil) {
        self.p50Ms = p50Ms
        self.p95Ms = p95Ms
        self.p99Ms = p99Ms
    }
}

/// `GET /api/v1/summary`.
public struct SummaryStats: Codable, Sendable, Equatable {
    /// Request records (notifications and pollution records excluded).
    public var calls: Int
    public var notifications: Int
    /// Count per outcome name (`ok`, `toolError`, `error`, `cancelled`, `noResponse`), every key present.
    public var outcomes: [String: Int]
    /// Failed requests (every outcome but `ok`) divided by requests; 0 when there are none.
    public var errorRate: Double
    public var sessions: Int
    public var latency: LatencyStats
    public init(calls: Int, notifications: Int, outcomes: [String: Int], errorRate: Double, sessions: Int, latency: LatencyStats) {
        self.calls = calls
        self.notifications = notifications
        self.outcomes = outcomes
        self.errorRate = errorRate
        self.sessions = sessions
        self.latency = latency
    }
}

/// Which kind of target a per-target table is about.
public enum TargetKind: String, Sendable, CaseIterable {
    case tool, prompt, resource

    /// The method whose target this is.
    public var method: String {
        switch self {
        case .tool: "tools/call"
        case .prompt: "prompts/get"
        case .resource: "resources/read"
        }
    }
}

/// One row of `/api/v1/tools`, `/prompts`, `/resources`.
public struct TargetStats: Codable, Sendable, Equatable {
    public var name: String
    public var calls: Int
    /// Failures of every kind (toolError, error, cancelled, noResponse).
    public var errors: Int
    public var toolErrors: Int
    public var errorRate: Double
    public var p50Ms: Double?
    public var p95Ms: Double?
    public var p99Ms: Double?
    public var lastSeen: Date?
    public init(name: String, calls: Int, errors: Int, toolErrors: Int, errorRate: Double, p50Ms: Double?, p95Ms: Double?, p99Ms: Double?, lastSeen: Date?) {
        self.name = name
        self.calls = calls
        self.errors = errors
        self.toolErrors = toolErrors
        self.errorRate = errorRate
        self.p50Ms = p50Ms
        self.p95Ms = p95Ms
        self.p99Ms = p99Ms
        self.lastSeen = lastSeen
    }
}

/// One row of `/api/v1/clients` or `/api/v1/servers`.
public struct PeerStats: Codable, Sendable, Equatable {
    public var name: String
    public var version: String?
    public var calls: Int
    public var errors: Int
    public var errorRate: Double
    public var sessions: Int
    public var p50Ms: Double?
    public var p95Ms: Double?
    public var p99Ms: Double?
    public var firstSeen: Date?
    public var lastSeen: Date?
    public init(name: String, version: String?, calls: Int, errors: Int, errorRate: Double, sessions: Int, p50Ms: Double?, p95Ms: Double?, p99Ms: Double?, firstSeen: Date?, lastSeen: Date?) {
        self.name = name
        self.version = version
        self.calls = calls
        self.errors = errors
        self.errorRate = errorRate
        self.sessions = sessions
        self.p50Ms = p50Ms
        self.p95Ms = p95Ms
        self.p99Ms = p99Ms
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}

/// One row of `/api/v1/sessions`.
public struct SessionStats: Codable, Sendable, Equatable {
    public var id: String
    public var client: PeerInfo?
    public var server: PeerInfo?
    public var transport: String?
    public var calls: Int
    public var errors: Int
    public var notifications: Int
    /// Non-JSON lines the server wrote to stdout in this session.
    public var stdoutPollution: Int
    public var firstSeen: Date
    public var lastSeen: Date
    public init(id: String, client: PeerInfo?, server: PeerInfo?, transport: String?, calls: Int, errors: Int, notifications: Int, stdoutPollution: Int, firstSeen: Date, lastSeen: Date) {
        self.id = id
        self.client = client
        self.server = server
        self.transport = transport
        self.calls = calls
        self.errors = errors
        self.notifications = notifications
        self.stdoutPollution = stdoutPollution
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}

/// A project: the unit of isolation for keys and data.
public struct Project: Codable, Sendable, Equatable {
    public var id: ProjectID
    public var name: String
    public init(id: ProjectID, name: String) {
        self.id = id
        self.name = name
    }
}

/// What a key may do.
public enum KeyScope: String, Codable, Sendable, CaseIterable {
    /// Send calls to `/api/v1/ingest`.
    case ingest
    /// Read the query API and the dashboard.
    case read
    /// Everything, including managing keys and alert rules.
    case admin

    /// Whether a key of this scope may do what `required` allows.
    public func allows(_ required: KeyScope) -> Bool {
        self == .admin || self == required
    }
}

/// A key as returned at creation: the only time its plaintext is known.
public struct IssuedKey: Sendable, Equatable {
    public var id: Int64
    public var project: Project
    public var scope: KeyScope
    /// The plaintext key, e.g. `tt_ingest_…`. Stored only as a hash.
    public var plaintext: String
    public init(id: Int64, project: Project, scope: KeyScope, plaintext: String) {
        self.id = id
        self.project = project
        self.scope = scope
        self.plaintext = plaintext
    }
}

/// The result of checking a presented key.
public struct AuthenticatedKey: Sendable, Equatable {
    public var keyID: Int64
    public var project: Project
    public var scope: KeyScope
    public init(keyID: Int64, project: Project, scope: KeyScope) {
        self.keyID = keyID
        self.project = project
        self.scope = scope
    }
}
