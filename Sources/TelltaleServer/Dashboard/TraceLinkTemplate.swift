import Foundation

/// How the call detail page links a trace id to the tracing tool: a URL template with `{traceId}` (and
/// optionally `{spanId}`), written directly or made from a vendor preset.
///
/// `telltale serve --trace-link VALUE` accepts:
/// - `datadog` or `datadog=SITE` (`datadoghq.eu`, `us5.datadoghq.com` …): `https://app.datadoghq.com/apm/trace/{traceId}`
/// - `sentry=https://ORG.sentry.io`: `https://ORG.sentry.io/explore/traces/trace/{traceId}/`
/// - `newrelic` or `newrelic=eu`: `https://one.newrelic.com/distributed-tracing?query=trace.id%3D{traceId}`
/// - `jaeger=http://HOST:16686`: `http://HOST:16686/trace/{traceId}`
/// - `tempo=http://GRAFANA:3000` or `tempo=http://GRAFANA:3000,DATASOURCE_UID` (default uid `tempo`): a Grafana
///   Explore link running the trace id as a TraceQL query on that Tempo data source
/// - any `http(s)://` URL containing `{traceId}` (and optionally `{spanId}`)
public struct TraceLinkTemplate: Sendable, Equatable, CustomStringConvertible {
    /// The URL with `{traceId}` / `{spanId}` placeholders (placeholders inside query values are already in place).
    public let template: String
    /// The preset it was made from (`datadog`, `sentry` …), or nil for a raw template.
    public let preset: String?

    /// The presets, for help texts.
    public static let presetHelp = """
        datadog[=SITE], sentry=https://ORG.sentry.io, newrelic[=eu], jaeger=http://HOST:16686, \
        tempo=http://GRAFANA:3000[,DATASOURCE_UID], or a URL template with {traceId} (and {spanId})
        """

    /// The template text.
    public var description: String { template }

    /// Parses a `--trace-link` value.
    /// - Throws: ``TraceLinkError`` naming what is wrong and what is accepted.
    public init(parsing value: String) throws {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw TraceLinkError("the value is empty") }
        if trimmed.lowercased().hasPrefix("http://") || trimmed.lowercased().hasPrefix("https://") {
            guard trimmed.contains("{traceId}") else {
                throw TraceLinkError("the URL template '\(trimmed)' has no {traceId} placeholder")
            }
            try Self.checkURL(trimmed.replacingOccurrences(of: "{traceId}", with: "0").replacingOccurrences(of: "{spanId}", with: "0"))
            self.init(template: trimmed, preset: nil)
            return
        }
        let (name, argument) = Self.split(trimmed)
        switch name.lowercased() {
        case "datadog":
            let site = argument ?? "datadoghq.com"
            guard !site.isEmpty, site.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) else {
                throw TraceLinkError("datadog=SITE wants a site such as datadoghq.eu or us5.datadoghq.com, got '\(site)'")
            }
            let host = site.split(separator: ".").count >= 3 ? site : "app.\(site)"
            self.init(template: "https://\(host)/apm/trace/{traceId}", preset: "datadog")
        case "sentry":
            let base = try Self.baseURL(argument, preset: "sentry", example: "https://ORG.sentry.io")
            self.init(template: "\(base)/explore/traces/trace/{traceId}/", preset: "sentry")
        case "newrelic":
            let host: String
            switch argument?.lowercased() {
            case nil, "", "us": host = "one.newrelic.com"
            case "eu": host = "one.eu.newrelic.com"
            case let other?: throw TraceLinkError("newrelic takes no value or 'eu', got '\(other)'")
            }
            self.init(template: "https://\(host)/distributed-tracing?query=trace.id%3D{traceId}", preset: "newrelic")
        case "jaeger":
            let base = try Self.baseURL(argument, preset: "jaeger", example: "http://HOST:16686")
            self.init(template: "\(base)/trace/{traceId}", preset: "jaeger")
        case "tempo":
            let parts = (argument ?? "").split(separator: ",", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            let base = try Self.baseURL(parts.first, preset: "tempo", example: "http://GRAFANA:3000[,DATASOURCE_UID]")
            let uid = parts.count > 1 && !parts[1].isEmpty ? parts[1] : "tempo"
            self.init(template: "\(base)/explore?schemaVersion=1&orgId=1&panes=\(Self.tempoPanes(uid: uid))", preset: "tempo")
        default:
            throw TraceLinkError("unknown preset '\(name)'")
        }
    }

    init(template: String, preset: String?) {
        self.template = template
        self.preset = preset
    }

    /// The link for a trace (and span); ids are percent-encoded.
    public func url(traceId: String, spanId: String? = nil) -> String {
        template
            .replacingOccurrences(of: "{traceId}", with: URLQuery.encode(traceId))
            .replacingOccurrences(of: "{spanId}", with: URLQuery.encode(spanId ?? ""))
    }

    /// `name=argument` split at the first `=`.
    private static func split(_ value: String) -> (String, String?) {
        guard let equals = value.firstIndex(of: "=") else { return (value, nil) }
        return (String(value[..<equals]), String(value[value.index(after: equals)...]))
    }

    /// An `http(s)://host[:port][/path]` base without a trailing slash.
    private static func baseURL(_ argument: String?, preset: String, example: String) throws -> String {
        guard var base = argument, !base.isEmpty else {
            throw TraceLinkError("\(preset) needs a URL: \(preset)=\(example)")
        }
        while base.hasSuffix("/") { base.removeLast() }
        try checkURL(base)
        return base
    }

    private static func checkURL(_ value: String) throws {
        guard let components = URLComponents(string: value),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty
        else { throw TraceLinkError("'\(value)' is not an http(s) URL with a host") }
    }

    /// The percent-encoded Grafana Explore `panes` JSON for a TraceQL trace-id query, `{traceId}` left in place.
    private static func tempoPanes(uid: String) -> String {
        let datasource = #"{"type":"tempo","uid":"\#(jsonEscape(uid))"}"#
        let json = #"{"a":{"datasource":"\#(jsonEscape(uid))","queries":[{"refId":"A","datasource":\#(datasource),"queryType":"traceql","query":"TRACEID"}],"range":{"from":"now-1h","to":"now"}}}"#
        return URLQuery.encode(json).replacingOccurrences(of: "TRACEID", with: "{traceId}")
    }

    private static func jsonEscape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}

/// A `--trace-link` value that cannot be used.
public struct TraceLinkError: Error, CustomStringConvertible {
    /// What is wrong with the value.
    public var reason: String
    init(_ reason: String) { self.reason = reason }
    /// The reason and the accepted forms, as printed by `telltale serve`.
    public var description: String {
        "invalid --trace-link: \(reason). Use \(TraceLinkTemplate.presetHelp)"
    }
}
