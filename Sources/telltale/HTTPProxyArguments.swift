import Foundation
import ArgumentParser

/// Options of the HTTP capture commands (`run --port`, `proxy`): what is inspected, which headers become
/// tags, and the admin endpoint.
struct HTTPProxyArguments: ParsableArguments {
    static let defaultInspectPrefixes = ["/mcp", "/sse", "/messages"]

    @Option(name: .customLong("inspect-prefix"), help: ArgumentHelp(
        "Path prefixes whose traffic is recorded (repeatable or comma-separated; default /mcp,/sse,/messages). Other paths are relayed untouched.",
        valueName: "path"))
    var inspectPrefixes: [String] = []

    @Option(name: .customLong("context-header"), help: ArgumentHelp(
        "Record a request header as a call tag, e.g. X-Environment=environment (repeatable).", valueName: "Header=tag"))
    var contextHeaders: [String] = []

    @Option(name: .customLong("redact-header"), help: ArgumentHelp(
        "A header that must never be stored, in addition to Authorization, Cookie, Set-Cookie, Proxy-Authorization and X-Api-Key (repeatable).",
        valueName: "name"))
    var redactHeaders: [String] = []

    @Option(name: .customLong("admin-addr"), help: ArgumentHelp(
        "Serve /healthz, /readyz and /metrics (Prometheus) on this address.", valueName: "host:port"))
    var adminAddress: String?

    func validate() throws {
        for prefix in resolvedInspectPrefixes where !prefix.hasPrefix("/") {
            throw ValidationError("invalid --inspect-prefix '\(prefix)': a path prefix starts with /")
        }
        if let adminAddress {
            do { _ = try HostPort(parsing: adminAddress) } catch { throw ValidationError("--admin-addr: \(error)") }
        }
    }

    /// Whether any option of this group was given (they only apply to HTTP capture).
    var isUsed: Bool {
        !inspectPrefixes.isEmpty || !contextHeaders.isEmpty || !redactHeaders.isEmpty || adminAddress != nil
    }

    /// `--inspect-prefix` values split on commas, or the defaults.
    var resolvedInspectPrefixes: [String] {
        let given = inspectPrefixes.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
            .filter { !$0.isEmpty }
        return given.isEmpty ? Self.defaultInspectPrefixes : given
    }

    /// The admin address, parsed (validated already).
    var resolvedAdminAddress: HostPort? {
        adminAddress.flatMap { try? HostPort(parsing: $0) }
    }
}
