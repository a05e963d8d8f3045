import Foundation

/// The behaviour of the example server's tools, prompt and resources.
///
/// Latencies are simulated with `Task.sleep`, so a cancelled request task stops at once.
struct ExampleServerTools: Sendable {
    /// Multiplier for every simulated latency.
    var latencyScale: Double
    /// Probability that `flaky_lookup` fails with a tool error.
    var failRate: Double

    /// Runs tool `name`; returns a `CallToolResult`, or throws a JSON-RPC error (`CancellationError` when cancelled).
    func call(_ name: String, arguments: [String: String]) async throws -> [String: Any] {
        switch name {
        case "get_weather": return try await getWeather(arguments)
        case "search_docs": return try await searchDocs(arguments)
        case "create_ticket": return try await createTicket(arguments)
        case "flaky_lookup": return try await flakyLookup(arguments)
        case "slow_report":
            try await pause(milliseconds: 1500)
            return Self.text("Quarterly incident report: 41 incidents, median time to resolve 38 min, 3 SEV-1.")
        case "explode":
            try await pause(milliseconds: 2...10)
            throw ExampleServerRPCError.internalError("Internal error: the explode tool always fails")
        default:
            throw ExampleServerRPCError.invalidParams("Unknown tool: \(name)")
        }
    }

    /// `prompts/get`: returns a `GetPromptResult`.
    func prompt(_ name: String, arguments: [String: String]) async throws -> [String: Any] {
        guard name == "summarize_incident" else {
            throw ExampleServerRPCError.invalidParams("Unknown prompt: \(name)")
        }
        guard let incident = arguments["incident_id"], !incident.isEmpty else {
            throw ExampleServerRPCError.invalidParams("Missing required argument: incident_id")
        }
        try await pause(milliseconds: 2...10)
        let text = "Summarize incident \(incident) for an executive audience: impact, timeline, root cause, follow-ups."
        return [
            "description": "Executive summary of \(incident)",
            "messages": [["role": "user", "content": ["type": "text", "text": text]]],
        ]
    }

    /// `resources/read`: returns a `ReadResourceResult`; unknown URIs are -32002 (handshake era) or -32602 (stateless).
    func read(_ uri: String, stateless: Bool) async throws -> [String: Any] {
        try await pause(milliseconds: 1...5)
        guard let runbook = ExampleServerCatalog.runbooks.first(where: { ExampleServerCatalog.runbookURI($0.name) == uri })
        else {
            throw ExampleServerRPCError(
                code: stateless ? -32602 : -32002, message: "Resource not found: \(uri)", data: ["uri": uri])
        }
        return ["contents": [["uri": uri, "mimeType": "text/markdown", "text": runbook.body]]]
    }

    private func getWeather(_ arguments: [String: String]) async throws -> [String: Any] {
        guard let city = arguments["city"], !city.isEmpty else {
            return Self.toolError("Invalid arguments: 'city' is required")
        }
        try await pause(milliseconds: 10...40)
        guard let (name, report) = ExampleServerCatalog.weather.first(where: { $0.key.lowercased() == city.lowercased() })
            .map({ ($0.key, $0.value) })
        else {
            let known = ExampleServerCatalog.weather.keys.sorted().joined(separator: ", ")
            return Self.toolError("Unknown city: \(city). Known cities: \(known)")
        }
        var result = Self.text("\(name): \(report.temperature)°C, \(report.conditions), humidity \(report.humidity)%")
        result["structuredContent"] = [
            "city": name, "temperatureC": report.temperature, "conditions": report.conditions, "humidity": report.humidity,
        ] as [String: Any]
        return result
    }

    private func searchDocs(_ arguments: [String: String]) async throws -> [String: Any] {
        guard let query = arguments["query"], !query.trimmingCharacters(in: .whitespaces).isEmpty else {
            return Self.toolError("Invalid arguments: 'query' is required")
        }
        try await pause(milliseconds: 5...80)
        // Like real search engines, only the start of an overlong query is searched.
        let words = Set(query.prefix(1000).lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }))
        let hits = ExampleServerCatalog.runbooks.filter { runbook in
            let haystack = (runbook.name + " " + runbook.body).lowercased()
            return words.contains { haystack.contains($0) }
        }
        let shown = query.count > 80 ? query.prefix(80) + "…" : Substring(query)
        if hits.isEmpty { return Self.text("No documents match \"\(shown)\".") }
        let lines = hits.map { "- \(ExampleServerCatalog.runbookURI($0.name)) — \($0.title)" }
        return Self.text("\(hits.count) result(s) for \"\(shown)\":\n" + lines.joined(separator: "\n"))
    }

    private func createTicket(_ arguments: [String: String]) async throws -> [String: Any] {
        guard let title = arguments["title"], !title.trimmingCharacters(in: .whitespaces).isEmpty else {
            return Self.toolError("Validation error: 'title' is required and must be a non-empty string")
        }
        let priority = arguments["priority"] ?? "medium"
        guard ["low", "medium", "high", "critical"].contains(priority) else {
            return Self.toolError("Validation error: 'priority' must be one of low, medium, high, critical (got \(priority))")
        }
        try await pause(milliseconds: 20...60)
        return Self.text("Created ticket TCK-\(Int.random(in: 1000...9999)) (\(priority)): \(title)")
    }

    private func flakyLookup(_ arguments: [String: String]) async throws -> [String: Any] {
        guard let id = arguments["id"], !id.isEmpty else {
            return Self.toolError("Invalid arguments: 'id' is required")
        }
        guard Self.isWellFormedOrderID(id) else {
            try await pause(milliseconds: 1...5)
            return Self.toolError("Invalid id '\(id)': expected a lowercase prefix and a number, e.g. ord-1042")
        }
        if Double.random(in: 0..<1) < failRate {
            try await pause(milliseconds: 80...200)
            return Self.toolError("Upstream lookup service timed out for \(id); try again")
        }
        try await pause(milliseconds: 10...50)
        let status = ["shipped", "processing", "delivered", "on hold"].randomElement()!
        return Self.text("Order \(id): \(status)")
    }

    /// True for ids like `ord-1042`: lowercase letters, a dash, digits.
    static func isWellFormedOrderID(_ id: String) -> Bool {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && parts[0].allSatisfy { $0.isASCII && $0.isLowercase } && parts[1].allSatisfy { $0.isASCII && $0.isNumber }
    }

    private func pause(milliseconds range: ClosedRange<Int>) async throws {
        try await pause(milliseconds: Int.random(in: range))
    }

    private func pause(milliseconds: Int) async throws {
        let scaled = Double(milliseconds) * latencyScale
        if scaled > 0 { try await Task.sleep(for: .milliseconds(scaled)) }
        try Task.checkCancellation()
    }

    static func text(_ text: String) -> [String: Any] {
        ["content": [["type": "text", "text": text]], "isError": false]
    }

    static func toolError(_ text: String) -> [String: Any] {
        ["content": [["type": "text", "text": text]], "isError": true]
    }
}
