import Foundation
import Hummingbird
import TelltaleCore
import TelltaleStore

/// The filters of a dashboard page, read from the query string, and the links that keep them.
///
/// Parameters are those of the query API: `range` (`15m|1h|6h|24h|7d`), `from`/`to` (RFC 3339 or epoch ms,
/// custom range; `range` is ignored when `from` is given), `server`, `client`, `clientVersion`, `tool`,
/// `prompt`, `resource`, `method` and repeatable `tag=key:value`. Bad values do not fail the page: they are dropped
/// and listed in ``problems``.
struct DashboardFilters: Sendable {
    /// The range shown when the query string names none.
    static let defaultRange = RangePreset.oneDay

    /// The preset in use (a ``RangePreset`` raw value), or nil for a custom `from`/`to` range.
    var range: String?
    var from: Date
    var to: Date
    /// The raw custom bounds as given (kept in links as typed).
    var customFrom: String?
    var customTo: String?
    var server: String?
    var client: String?
    var clientVersion: String?
    var tool: String?
    var prompt: String?
    var resource: String?
    /// A JSON-RPC method (`tools/list`, `resources/read` …), as alert rules scope by it.
    var method: String?
    var tags: [(key: String, value: String)]
    /// Parameters that could not be used, as sentences.
    var problems: [String] = []

    /// Reads the filters of a request's query string (form encoding: `+` is a space).
    init(_ request: Request, now: Date) {
        self.init(URLQuery.decodeForm(request.uri.query ?? ""), now: now)
    }

    init(_ parameters: [(String, String)], now: Date) {
        func text(_ name: Substring) -> String? {
            guard let value = parameters.last(where: { $0.0 == name })?.1, !value.isEmpty else { return nil }
            return value
        }
        var problems: [String] = []
        func date(_ name: String) -> Date? {
            guard let raw = text(Substring(name)) else { return nil }
            do { return try QueryParameters.date(Substring(raw), name: name) } catch {
                problems.append("'\(name)' is not a date ('\(raw)'): use RFC 3339 such as 2026-01-02T03:04:05Z")
                return nil
            }
        }
        let customFrom = date("from")
        let customTo = date("to")
        var range = text("range")
        if let name = range, RangePreset(rawValue: name) == nil {
            problems.append("unknown range '\(name)': use 15m, 1h, 6h, 24h or 7d")
            range = nil
        }
        if let customFrom, customFrom < (customTo ?? now) {
            self.range = nil
            self.from = customFrom
            self.to = customTo ?? now
            self.customFrom = text("from")
            self.customTo = customTo == nil ? nil : text("to")
        } else {
            if customFrom != nil { problems.append("'from' must be before 'to'; showing the last 24 hours") }
            let preset = range.flatMap(RangePreset.init(rawValue:)) ?? Self.defaultRange
            self.range = preset.rawValue
            self.to = now
            self.from = now.addingTimeInterval(-preset.seconds)
        }
        server = text("server")
        client = text("client")
        clientVersion = text("clientVersion")
        tool = text("tool")
        prompt = text("prompt")
        resource = text("resource")
        method = text("method")
        var tags: [(key: String, value: String)] = []
        for (name, raw) in parameters where name == "tag" && !raw.isEmpty {
            if let (key, value) = try? QueryParameters.tag(Substring(raw)) {
                tags.append((key, value))
            } else {
                problems.append("tag '\(raw)' is not key:value")
            }
        }
        self.tags = tags
        self.problems = problems
    }

    /// The store query for `project`.
    func callQuery(project: ProjectID) -> CallQuery {
        var tagFilter: [String: String] = [:]
        for tag in tags { tagFilter[tag.key] = tag.value }
        return CallQuery(
            project: project, from: from, to: to, server: server, client: client, clientVersion: clientVersion,
            tool: tool, prompt: prompt, resource: resource, method: method, tags: tagFilter
        )
    }

    /// The query-string items that reproduce these filters.
    var items: [(String, String)] {
        var items: [(String, String)] = []
        if let range { items.append(("range", range)) } else {
            if let customFrom { items.append(("from", customFrom)) }
            if let customTo { items.append(("to", customTo)) }
        }
        for (name, value) in [
            ("server", server), ("client", client), ("clientVersion", clientVersion),
            ("tool", tool), ("prompt", prompt), ("resource", resource), ("method", method),
        ] {
            if let value { items.append((name, value)) }
        }
        for tag in tags { items.append(("tag", "\(tag.key):\(tag.value)")) }
        return items
    }

    /// Whether any filter beyond the time range is set.
    var hasDimensionFilters: Bool {
        server != nil || client != nil || clientVersion != nil || tool != nil || prompt != nil || resource != nil
            || method != nil || !tags.isEmpty
    }

    /// A link to `path` keeping these filters, with `extra` items after them (replacing same-named ones).
    func link(_ path: String, _ extra: [(String, String)] = []) -> String {
        let replaced = Set(extra.map(\.0))
        return URLQuery.build(path, items.filter { !replaced.contains($0.0) } + extra)
    }

    /// These filters with another preset range (custom bounds dropped).
    func with(range name: String) -> DashboardFilters {
        var copy = self
        copy.range = name
        copy.customFrom = nil
        copy.customTo = nil
        return copy
    }

    /// These filters without the client version filter (links from one client version to all clients).
    var withoutClientVersion: DashboardFilters {
        var copy = self
        copy.clientVersion = nil
        return copy
    }

    /// The length of the range in seconds.
    var seconds: TimeInterval { to.timeIntervalSince(from) }
}
