import ArgumentParser
import TelltaleCore
#if canImport(Glibc)
import Glibc
#endif

/// Options shared by every capturing command (`run`, `run --port`, `proxy`): where calls go and what they carry.
struct CaptureArguments: ParsableArguments {
    static let defaultEndpoint = "http://127.0.0.1:7340"

    @Option(help: ArgumentHelp("Collector URL (env TELLTALE_ENDPOINT; default \(Self.defaultEndpoint)).", valueName: "url"))
    var endpoint: String?

    @Option(name: .customLong("api-key"), help: ArgumentHelp("Ingest key (env TELLTALE_API_KEY). Without one, nothing is recorded.", valueName: "key"))
    var apiKey: String?

    @Option(name: .customLong("tag"), help: ArgumentHelp("A tag stamped on every call (repeatable).", valueName: "key=value"))
    var tags: [String] = []

    @Option(name: .customLong("redact-key"), help: ArgumentHelp("Redact values under keys matching this regex (repeatable).", valueName: "regex"))
    var redactKeys: [String] = []

    @Flag(name: .customLong("no-payloads"), help: "Do not capture request and response payloads.")
    var noPayloads = false

    func validate() throws {
        do { _ = try parsedTags() } catch { throw ValidationError(error.description) }
        do { _ = try Redactor(extraKeyPatterns: redactKeys) } catch {
            throw ValidationError(error.description)
        }
        let endpoint = resolvedEndpoint
        guard endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") else {
            throw ValidationError("invalid endpoint '\(endpoint)': expected an http:// or https:// URL")
        }
    }

    /// The endpoint from the option, else the environment, else the default.
    var resolvedEndpoint: String {
        if let endpoint { return endpoint }
        if let value = Self.environment("TELLTALE_ENDPOINT"), !value.isEmpty { return value }
        return Self.defaultEndpoint
    }

    /// The ingest key from the option, else the environment; nil when there is none (relay only).
    var resolvedAPIKey: String? {
        guard let key = apiKey ?? Self.environment("TELLTALE_API_KEY"), !key.isEmpty else { return nil }
        return key
    }

    /// The capture settings, or `nil` when there is no API key (relay only).
    func captureSettings(sessionID: String? = nil, command: [String] = []) -> CaptureSettings? {
        guard let key = resolvedAPIKey else { return nil }
        return CaptureSettings(
            endpoint: resolvedEndpoint, apiKey: key, tags: (try? parsedTags()) ?? [:], redactKeyPatterns: redactKeys,
            capturePayloads: !noPayloads, sessionID: sessionID, command: command)
    }

    /// `--tag key=value` options as a dictionary (a later tag with the same key wins).
    func parsedTags() throws(TagArgument.Invalid) -> [String: String] {
        var values: [String: String] = [:]
        for tag in tags {
            let parsed = try TagArgument(parsing: tag)
            values[parsed.key] = parsed.value
        }
        return values
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
