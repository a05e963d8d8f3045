import Foundation
import TelltaleCore
import Hummingbird
import TelltaleStore

/// The query-string parameters every query endpoint shares: time range and filters.
struct QueryParameters {
    var from: Date
    var to: Date
    var server: String?
    var client: String?
    var clientVersion: String?
    var tool: String?
    var tags: [String: String]

    /// Parses `from`, `to`, `server`, `client`, `clientVersion`, `tool` and repeatable `tag`.
    /// - Parameters:
    ///   - now: the current time (end of the default range).
    ///   - defaultRange: the length of the range when `from` is missing.
    /// - Throws: ``APIError`` 400 with a message naming the bad parameter.
    init(_ request: Request, now: Date, defaultRange: TimeInterval) throws {
        let parameters = request.uri.queryParameters
        let to = try Self.date(parameters["to"], name: "to") ?? now
        let from = try Self.date(parameters["from"], name: "from") ?? to.addingTimeInterval(-defaultRange)
        guard to > from else {
            throw APIError.badRequest(
                "'to' must be after 'from'",
                details: ["from": RFC3339.string(from), "to": RFC3339.string(to)]
            )
        }
        self.from = from
        self.to = to
        func text(_ name: Substring) -> String? {
            guard let value = parameters[name], !value.isEmpty else { return nil }
            return String(value)
        }
        server = text("server")
        client = text("client")
        clientVersion = text("clientVersion")
        tool = text("tool")
        var tags: [String: String] = [:]
        for raw in parameters[values: "tag"] where !raw.isEmpty {
            let (key, value) = try Self.tag(raw)
            tags[key] = value
        }
        self.tags = tags
    }

    /// The store query for `project`.
    func callQuery(project: ProjectID) -> CallQuery {
        CallQuery(
            project: project, from: from, to: to,
            server: server, client: client, clientVersion: clientVersion, tool: tool, tags: tags
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
    static func integer(_ request: Request, _ name: Substring, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
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
