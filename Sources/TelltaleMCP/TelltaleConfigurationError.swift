/// Why a monitor could not start; never thrown to the host — it is reported once and monitoring stays off.
public enum TelltaleConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Neither ``TelltaleOptions/endpoint`` nor `TELLTALE_ENDPOINT` is set.
    case noEndpoint
    /// The endpoint is not an absolute http(s) URL.
    case invalidEndpoint(String)
    /// Neither ``TelltaleOptions/apiKey`` nor `TELLTALE_API_KEY` is set.
    case noAPIKey
    /// An extra redaction pattern is not a regular expression.
    case invalidRedactionPattern(String)

    public var description: String {
        switch self {
        case .noEndpoint: "no collector endpoint (set TELLTALE_ENDPOINT or TelltaleOptions.endpoint)"
        case .invalidEndpoint(let text): "the collector endpoint '\(text)' is not an http(s) URL"
        case .noAPIKey: "no ingest key (set TELLTALE_API_KEY or TelltaleOptions.apiKey)"
        case .invalidRedactionPattern(let reason): reason
        }
    }
}
