/// A `host:port` command-line address (`127.0.0.1:8080`, `[::1]:8080`, `localhost:8080`, or an `http://` URL
/// for an upstream).
struct HostPort: Sendable, Equatable, CustomStringConvertible {
    /// Why an address argument was refused.
    struct Invalid: Error, CustomStringConvertible {
        let argument: String
        let reason: String
        var description: String { "invalid address '\(argument)': \(reason)" }
    }

    var host: String
    var port: Int

    /// Parses `host:port`; with `allowURL`, also `http://host:port[/]` (https is refused: the proxy speaks
    /// plain HTTP to its upstream).
    init(parsing argument: String, allowURL: Bool = false, defaultHost: String? = nil) throws(Invalid) {
        var text = Substring(argument)
        if allowURL, let schemeEnd = text.range(of: "://") {
            let scheme = text[..<schemeEnd.lowerBound].lowercased()
            guard scheme == "http" else {
                throw Invalid(argument: argument, reason: scheme == "https"
                    ? "https upstreams are not supported; point the proxy at the server's plain HTTP port"
                    : "expected http://host:port")
            }
            text = text[schemeEnd.upperBound...]
            if let slash = text.firstIndex(of: "/") {
                guard text[slash...] == "/" else {
                    throw Invalid(argument: argument, reason: "the upstream URL must not have a path (paths are forwarded as the client sends them)")
                }
                text = text[..<slash]
            }
        }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw Invalid(argument: argument, reason: "expected [ipv6]:port")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else if let defaultHost, Int(text) != nil {
            host = Substring(defaultHost)
            portText = text
        } else {
            throw Invalid(argument: argument, reason: "expected host:port")
        }
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw Invalid(argument: argument, reason: "the port must be a number from 0 to 65535")
        }
        guard !host.isEmpty || defaultHost != nil else { throw Invalid(argument: argument, reason: "missing host") }
        self.host = host.isEmpty ? defaultHost! : (host == "localhost" ? "127.0.0.1" : String(host))
        self.port = port
    }

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
