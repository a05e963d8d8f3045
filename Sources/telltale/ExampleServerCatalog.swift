/// What the example server offers: its identity, tools, prompt and runbook resources.
enum ExampleServerCatalog {
    static let serverName = "telltale-example"
    static let serverVersion = "1.0.0"
    /// Versions negotiated through the `initialize` handshake, oldest first.
    static let handshakeVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]
    /// Versions spoken statelessly (per-request `_meta`), oldest first.
    static let statelessVersions = ["2026-07-28"]
    static var allVersions: [String] { handshakeVersions + statelessVersions }

    static var serverInfo: [String: Any] { ["name": serverName, "version": serverVersion] }

    static var capabilities: [String: Any] {
        [
            "tools": ["listChanged": false],
            "prompts": ["listChanged": false],
            "resources": ["subscribe": false, "listChanged": false],
        ]
    }

    static let instructions =
        "Example MCP server bundled with Telltale: weather, documentation search, tickets and runbooks."

    /// Known cities for `get_weather`: temperature (°C), conditions, humidity (%).
    static let weather: [String: (temperature: Int, conditions: String, humidity: Int)] = [
        "London": (12, "light rain", 81), "Paris": (16, "partly cloudy", 64), "Tokyo": (21, "clear", 55),
        "New York": (9, "windy", 48), "San Francisco": (17, "fog", 77), "Berlin": (8, "overcast", 70),
        "Sydney": (24, "sunny", 40), "Lisbon": (19, "sunny", 58),
    ]

    /// Runbooks served as `docs://runbook/{name}`: name → (title, markdown body).
    static let runbooks: [(name: String, title: String, body: String)] = [
        ("database-failover", "Database failover",
         "# Database failover\n1. Confirm the primary is down (`pg_isready`).\n2. Promote the replica.\n3. Point the app at the new primary and watch error rates."),
        ("deploy-rollback", "Deploy rollback",
         "# Deploy rollback\n1. Find the last good release.\n2. `deploy rollback --to <release>`.\n3. Post in #incidents with the reason."),
        ("on-call-handbook", "On-call handbook",
         "# On-call handbook\nAcknowledge pages within 5 minutes. Escalate after 30 minutes without progress."),
        ("incident-response", "Incident response",
         "# Incident response\nDeclare, assign an incident commander, open a channel, write the timeline as you go."),
    ]

    static func runbookURI(_ name: String) -> String { "docs://runbook/\(name)" }

    static var tools: [[String: Any]] {
        [
            tool("get_weather", "Current weather for a city.",
                 properties: ["city": string("City name, e.g. London")], required: ["city"]),
            tool("search_docs", "Search the runbooks and documentation.",
                 properties: ["query": string("Words to search for")], required: ["query"]),
            tool("create_ticket", "Open a ticket in the issue tracker.",
                 properties: [
                    "title": string("One-line summary"),
                    "priority": ["type": "string", "enum": ["low", "medium", "high", "critical"],
                                 "description": "Defaults to medium"],
                 ], required: ["title"]),
            tool("flaky_lookup", "Look up an order in an unreliable upstream service.",
                 properties: ["id": string("Order id such as ord-1042")], required: ["id"]),
            tool("slow_report", "Build the quarterly incident report (slow).", properties: [:], required: []),
            tool("explode", "Always fails with an internal error.", properties: [:], required: []),
        ]
    }

    static var prompts: [[String: Any]] {
        [[
            "name": "summarize_incident",
            "description": "Summarize an incident for an executive audience.",
            "arguments": [["name": "incident_id", "description": "Incident id, e.g. INC-2041", "required": true]],
        ]]
    }

    static var resources: [[String: Any]] {
        runbooks.map {
            ["uri": runbookURI($0.name), "name": $0.name, "title": $0.title, "mimeType": "text/markdown"]
        }
    }

    static var resourceTemplates: [[String: Any]] {
        [[
            "uriTemplate": "docs://runbook/{name}", "name": "runbook",
            "description": "An operations runbook", "mimeType": "text/markdown",
        ]]
    }

    private static func string(_ description: String) -> [String: Any] {
        ["type": "string", "description": description]
    }

    private static func tool(
        _ name: String, _ description: String, properties: [String: Any], required: [String]
    ) -> [String: Any] {
        [
            "name": name,
            "description": description,
            "inputSchema": ["type": "object", "properties": properties, "required": required],
        ]
    }
}
