/// A simulated MCP client (agent or IDE) used by the demo traffic: its identity, protocol and habits.
struct DemoTrafficPersona: Sendable {
    /// How the client opens a session.
    enum Style: Sendable {
        /// `initialize` + `notifications/initialized`, proposing this protocol version.
        case handshake(protocolVersion: String)
        /// 2026-07-28: `server/discover` first, then `_meta` (version, capabilities, identity, traceparent) on every request.
        case stateless
    }

    var name: String
    var title: String?
    var version: String
    var style: Style
    /// Relative frequency among the demo's sessions.
    var weight: Int
    /// Whether requests carry a W3C `traceparent` in `_meta`.
    var sendsTraceparent: Bool
    /// Relative weight of `flaky_lookup` among this client's tool calls.
    var lookupWeight: Double
    /// Chance that this client sends a malformed order id to `flaky_lookup` (a client-side bug).
    var malformedLookupRate: Double

    /// The clients the demo simulates. "claude-code" 2.2.0 has a regression: it often sends upper-case
    /// order ids, so `flaky_lookup` fails far more often for it than for any other client.
    static let all: [DemoTrafficPersona] = [
        DemoTrafficPersona(
            name: "claude-code", title: "Claude Code", version: "2.1.0", style: .handshake(protocolVersion: "2025-11-25"),
            weight: 3, sendsTraceparent: false, lookupWeight: 3, malformedLookupRate: 0.02),
        DemoTrafficPersona(
            name: "claude-code", title: "Claude Code", version: "2.2.0", style: .stateless,
            weight: 3, sendsTraceparent: true, lookupWeight: 5, malformedLookupRate: 0.55),
        DemoTrafficPersona(
            name: "cursor", title: "Cursor", version: "1.7.3", style: .handshake(protocolVersion: "2025-03-26"),
            weight: 2, sendsTraceparent: false, lookupWeight: 2, malformedLookupRate: 0.02),
        DemoTrafficPersona(
            name: "mcp", title: nil, version: "0.1.0", style: .stateless,
            weight: 2, sendsTraceparent: true, lookupWeight: 2, malformedLookupRate: 0),
        DemoTrafficPersona(
            name: "mcp", title: nil, version: "0.1.0", style: .handshake(protocolVersion: "2025-11-25"),
            weight: 1, sendsTraceparent: true, lookupWeight: 2, malformedLookupRate: 0),
        DemoTrafficPersona(
            name: "windsurf", title: "Windsurf", version: "1.12.2", style: .handshake(protocolVersion: "2024-11-05"),
            weight: 1, sendsTraceparent: false, lookupWeight: 1, malformedLookupRate: 0.02),
    ]

    /// Picks a persona at random, by weight.
    static func random() -> DemoTrafficPersona {
        var roll = Int.random(in: 0..<all.reduce(0) { $0 + $1.weight })
        for persona in all {
            if roll < persona.weight { return persona }
            roll -= persona.weight
        }
        return all[0]
    }

    /// `{name, version, title?}` as sent in `clientInfo`.
    var clientInfo: [String: Any] {
        var info: [String: Any] = ["name": name, "version": version]
        if let title { info["title"] = title }
        return info
    }

    var label: String { "\(name) \(version)" }
}
