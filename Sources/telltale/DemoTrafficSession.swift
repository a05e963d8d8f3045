import Foundation

/// One simulated client session: opens the connection the way its persona does, then runs a
/// realistic workflow of 5–30 calls with think time in between.
struct DemoTrafficSession {
    /// What the session did, for the demo's log.
    struct Summary: Sendable {
        var calls = 0
        /// Replies received (results or JSON-RPC errors).
        var answered = 0
        /// Whether the session ended because the child closed its stdout unexpectedly.
        var lostConnection = false
    }

    private enum Action: CaseIterable {
        case weather, searchDocs, createTicket, lookup, prompt, readRunbook, slowReport, unknownTool, explode, ping, listTools
    }

    let persona: DemoTrafficPersona
    let connection: DemoTrafficConnection
    /// Multiplier for think time between calls.
    var pace: Double = 1.0

    // What the example server knows (a real client would learn it from tools/list and resources/list).
    private static let cities = ExampleServerCatalog.weather.keys.sorted()
    private static let unknownCities = ["Atlantis", "Gotham", "Springfield"]
    private static let queries = ["failover", "rollback", "on-call escalation", "incident timeline", "postgres replica", "pager"]
    private static let runbooks = ExampleServerCatalog.runbooks.map(\.name)
    private static let ticketTitles = ["Checkout latency above SLO", "Disk 91% on db-2", "Flaky deploy on staging", "Rotate API keys"]

    private var nextID = 0
    private var traceID = DemoTrafficSession.randomHex(bytes: 16)
    private var summary = Summary()

    init(persona: DemoTrafficPersona, connection: DemoTrafficConnection, pace: Double = 1.0) {
        self.persona = persona
        self.connection = connection
        self.pace = pace
    }

    /// Runs the whole session; returns early when the task is cancelled or the connection is lost.
    mutating func run() async -> Summary {
        guard await open() else { return summary }
        _ = await call("tools/list", [:])
        if Bool.random() { _ = await call("prompts/list", [:]) }
        if Bool.random() { _ = await call("resources/list", [:]) }
        let budget = Int.random(in: 5...30)
        while summary.calls < budget, !Task.isCancelled, !summary.lostConnection {
            guard await think() else { break }
            if Int.random(in: 0..<3) == 0 { traceID = Self.randomHex(bytes: 16) }  // a new agent turn
            await perform(pickAction())
        }
        return summary
    }

    private mutating func open() async -> Bool {
        switch persona.style {
        case .handshake(let version):
            let reply = await call("initialize", [
                "protocolVersion": version,
                "capabilities": ["roots": ["listChanged": true]],
                "clientInfo": persona.clientInfo,
            ])
            guard Self.result(of: reply) != nil else { return false }
            connection.notify(method: "notifications/initialized", params: [:])
            return true
        case .stateless:
            let reply = await call("server/discover", [:])
            guard let result = Self.result(of: reply) else { return false }
            let versions = result["supportedVersions"] as? [String] ?? []
            if !versions.contains("2026-07-28") {
                DemoTrafficLog.once("discover-versions", "server/discover offered \(versions); expected 2026-07-28")
            }
            return true
        }
    }

    private mutating func pickAction() -> Action {
        var weights: [(Action, Double)] = [
            (.weather, 5), (.searchDocs, 4), (.createTicket, 2), (.lookup, persona.lookupWeight), (.prompt, 1),
            (.readRunbook, 2), (.slowReport, 0.7), (.unknownTool, 0.35), (.explode, 0.25), (.listTools, 0.5),
        ]
        if case .handshake = persona.style { weights.append((.ping, 1)) }
        var roll = Double.random(in: 0..<weights.reduce(0) { $0 + $1.1 })
        for (action, weight) in weights {
            if roll < weight { return action }
            roll -= weight
        }
        return .weather
    }

    private mutating func perform(_ action: Action) async {
        switch action {
        case .weather:
            let city = Int.random(in: 0..<10) == 0 ? Self.unknownCities.randomElement()! : Self.cities.randomElement()!
            _ = await callTool("get_weather", ["city": city])
        case .searchDocs:
            _ = await callTool("search_docs", ["query": Self.queries.randomElement()!])
        case .createTicket:
            var arguments: [String: Any] = ["priority": ["low", "medium", "high", "critical"].randomElement()!]
            if Int.random(in: 0..<8) != 0 { arguments["title"] = Self.ticketTitles.randomElement()! }
            _ = await callTool("create_ticket", arguments)
        case .lookup:
            let number = Int.random(in: 1000...9999)
            let malformed = Double.random(in: 0..<1) < persona.malformedLookupRate
            _ = await callTool("flaky_lookup", ["id": malformed ? "ORD-\(number)" : "ord-\(number)"])
        case .prompt:
            _ = await call("prompts/get", ["name": "summarize_incident", "arguments": ["incident_id": "INC-\(Int.random(in: 2000...2099))"]])
        case .readRunbook:
            let name = Int.random(in: 0..<10) == 0 ? "payments-outage" : Self.runbooks.randomElement()!
            _ = await call("resources/read", ["uri": ExampleServerCatalog.runbookURI(name)])
        case .slowReport:
            await slowReport(cancel: Bool.random())
        case .unknownTool:
            _ = await callTool(["get_wether", "delete_database", "search_web"].randomElement()!, [:])
        case .explode:
            _ = await callTool("explode", [:])
        case .ping:
            _ = await call("ping", [:])
        case .listTools:
            _ = await call("tools/list", [:])
        }
    }

    /// Calls `slow_report`; when `cancel` is set, gives up after a moment with `notifications/cancelled`.
    private mutating func slowReport(cancel: Bool) async {
        guard cancel else {
            _ = await callTool("slow_report", [:])
            return
        }
        let (id, params) = prepare(["name": "slow_report", "arguments": [String: Any]()])
        summary.calls += 1
        let connection = self.connection
        let pending = Task { await connection.request(id: id, method: "tools/call", params: params) }
        try? await Task.sleep(for: .milliseconds(Int.random(in: 200...800)))
        connection.notify(method: "notifications/cancelled", params: ["requestId": id, "reason": "User pressed Esc"])
        connection.abandon(id: id)
        record(await pending.value)
    }

    private mutating func callTool(_ name: String, _ arguments: [String: Any]) async -> [String: Any]? {
        Self.result(of: await call("tools/call", ["name": name, "arguments": arguments]))
    }

    private mutating func call(_ method: String, _ params: [String: Any]) async -> DemoTrafficConnection.Reply {
        let (id, stamped) = prepare(params)
        summary.calls += 1
        let reply = await connection.request(id: id, method: method, params: stamped)
        record(reply)
        return reply
    }

    private mutating func record(_ reply: DemoTrafficConnection.Reply) {
        switch reply {
        case .message: summary.answered += 1
        case .closed: summary.lostConnection = true
        case .timedOut: DemoTrafficLog.once("timeout", "a demo request timed out (\(persona.label)); continuing")
        case .abandoned: break
        }
    }

    /// Allocates the next id and adds the persona's `_meta` (stateless identity, trace context).
    private mutating func prepare(_ params: [String: Any]) -> (Int, [String: Any]) {
        nextID += 1
        var params = params
        var meta: [String: Any] = [:]
        if case .stateless = persona.style {
            meta[ExampleServerRequest.protocolVersionMetaKey] = "2026-07-28"
            meta[ExampleServerRequest.clientInfoMetaKey] = persona.clientInfo
            meta["io.modelcontextprotocol/clientCapabilities"] = [String: Any]()
        }
        if persona.sendsTraceparent {
            meta["traceparent"] = "00-\(traceID)-\(Self.randomHex(bytes: 8))-01"
        }
        if !meta.isEmpty { params["_meta"] = meta }
        return (nextID, params)
    }

    /// Waits a human-ish moment between calls; false when the task was cancelled.
    private func think() async -> Bool {
        let milliseconds = Double.random(in: 300...1500) * pace
        do {
            try await Task.sleep(for: .milliseconds(milliseconds))
            return true
        } catch {
            return false
        }
    }

    private static func result(of reply: DemoTrafficConnection.Reply) -> [String: Any]? {
        guard case .message(let line) = reply,
              let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any]
        else { return nil }
        return object["result"] as? [String: Any]
    }

    private static func randomHex(bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}
