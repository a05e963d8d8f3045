import Foundation
import TelltaleCore
import Hummingbird
import TelltaleStore

/// The query-string parameters every query endpoint shares: time range and filters.
///
/// Strict: a bad value is a 400. The dashboard reads the same parameters leniently (``DashboardFilters``:
/// bad values are listed on the page) and builds its links from them.
package struct QueryParameters: Sendable, Equatable {
    /// Inclusive start of the range.
    package var from: Date
    /// Exclusive end of the range.
    package var to: Date
    /// The preset the range came from: the `range` parameter when `from` is absent, or the default range when
    /// it matches a preset and neither `from` nor `range` was given; nil for a custom `from`/`to` range.
    package var range: RangePreset?
    package var server: String?
    package var client: String?
    package var clientVersion: String?
    package var tool: String?
    package var prompt: String?
    package var resource: String?
    /// JSON-RPC method (`method`), e.g. `tools/list`.
    package var method: String?
    package var tags: [String: String]

    /// Parses `from`, `to`, `range`, `server`, `client`, `clientVersion`, `tool`, `prompt`, `resource`, `method`
    /// and repeatable `tag` from a request's query string.
    /// - Parameters:
    ///   - now: the current time (end of the range when `to` is missing).
    ///   - defaultRange: the length of the range when neither `from` nor `range` is given.
    /// - Throws: ``APIError`` 400 with a message naming the bad parameter.
    package init(_ request: Request, now: Date, defaultRange: TimeInterval) throws {
        try self.init(request.uri.queryParameters, now: now, defaultRange: defaultRange)
    }

    /// Parses already-decoded query parameters (see ``init(_:now:defaultRange:)``).
    package init(_ parameters: Parameters, now: Date, defaultRange: TimeInterval) throws {
        func text(_ name: String) -> String? {
            guard let value = parameters[Substring(name)], !value.isEmpty else { return nil }
            return String(value)
        }
        let preset = try text("range").map { raw in
            guard let preset = RangePreset(rawValue: raw) else {
                throw APIError.badRequest(
                    "'range' must be one of \(RangePreset.accepted), got '\(raw)'", details: ["parameter": "range"]
                )
            }
            return preset
        }
        let to = try Self.date(parameters["to"], name: "to") ?? now
        let givenFrom = try Self.date(parameters["from"], name: "from")
        let from = givenFrom ?? to.addingTimeInterval(-(preset?.seconds ?? defaultRange))
        guard to > from else {
            throw APIError.badRequest(
                "'to' must be after 'from'",
                details: ["from": RFC3339.string(from), "to": RFC3339.string(to)]
            )
        }
        self.from = from
        self.to = to
        if givenFrom != nil {
            range = nil
        } else {
            range = preset ?? RangePreset(seconds: defaultRange)
        }
        server = text("server")
        client = text("client")
        clientVersion = text("clientVersion")
        tool = text("tool")
        prompt = text("prompt")
        resource = text("resource")
        method = text("method")
        var tags: [String: String] = [:]
        for raw in parameters[values: "tag"] where !raw.isEmpty {
            let (key, value) = try Self.tag(raw)
            tags[key] = value
        }
        self.tags = tags
    }

    /// The store query for `project`.
    package func callQuery(project: ProjectID) -> CallQuery {
        CallQuery(
            project: project, from: from, to: to,
            server: server, client: client, clientVersion: clientVersion, tool: tool,
            prompt: prompt, resource: resource, method: method, tags: tags
        )
    }

    /// A date parameter: RFC 3339, or integer milliseconds since the epoch; nil when absent.
    static func date(_ value: Substring?, name: String) throws -> Date? {
        guard let value, !value.isEmpty else { return nil }
        if value.allSatisfy(\.isASCIIDigitOrMinus), let millis = Int64(value) {
            return Date(timeIntervalSince1970: Double(millis) / 1000)
        }
        if let date = RFC3339.parse(value.utf8) { return date }
        throw APIError.badRequest(
            "'\(name)' is not a date: '\(value)'; use RFC 3339 (2026-01-02T03:04:05Z) or epoch milliseconds",
            details: ["parameter": name]
        )
    }

    /// A tag filter `key:value` or `key=value` (split at the first `:` or `=`).
    static func tag(_ raw: Substring) throws -> (String, String) {
        guard let separator = raw.firstIndex(where: { $0 == ":" || $0 == "=" }), separator != raw.startIndex else {
            throw APIError.badRequest(
                "'tag' must be key:value or key=value, got '\(raw)'", details: ["parameter": "tag"]
            )
        }
        return (String(raw[..<separator]), String(raw[raw.index(after: separator)...]))
    }

    /// An integer parameter within `range`, or `defaultValue` when absent.
    package static func integer(_ request: Request, _ name: Substring, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        guard let raw = request.uri.queryParameters[name] else { return defaultValue }
        guard let value = Int(raw), range.contains(value) else {
            throw APIError.badRequest(
                "'\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound), got '\(raw)'",
                details: ["parameter": String(name)]
            )
        }
        return value
    }
}

extension Character {
    fileprivate var isASCIIDigitOrMinus: Bool { ("0"..."9").contains(self) || self == "-" }
}
