import Foundation
import Synchronization

/// The bundled example MCP server: newline-delimited JSON-RPC 2.0 over stdio, both protocol generations.
///
/// Handshake-era clients (2024-11-05 … 2025-11-25) call `initialize`; 2026-07-28 clients send
/// stateless requests carrying `_meta` (and usually `server/discover` first). Each request runs in
/// its own task, so a slow tool never delays a `ping`; replies are written whole, one line each.
/// `notifications/cancelled` cancels the request's task and suppresses its reply.
final class ExampleServer: Sendable {
    /// Tunables for demos and tests.
    struct Configuration: Sendable {
        /// Multiplier for every simulated latency.
        var latencyScale: Double = 1.0
        /// Probability that `flaky_lookup` fails with a tool error.
        var failRate: Double = 0.2
    }

    private struct InFlight {
        var serial: Int
        var task: Task<Void, Never>
    }

    private struct State {
        var inFlight: [ExampleServerRequestID: InFlight] = [:]
        var nextSerial = 0
    }

    private let tools: ExampleServerTools
    private let output: ExampleServerOutput
    /// Requests being handled, by id, so that a cancellation can find its task.
    private let state = Mutex(State())

    init(configuration: Configuration, output: ExampleServerOutput = ExampleServerOutput()) {
        self.tools = ExampleServerTools(latencyScale: configuration.latencyScale, failRate: configuration.failRate)
        self.output = output
    }

    /// Serves until `lines` ends (the client closed stdin), then waits for requests still being handled.
    func serve(lines: AsyncStream<Data>) async {
        ExampleServerLog.write("ready (\(ExampleServerCatalog.allVersions.joined(separator: ", ")))")
        for await line in lines {
            receive(line: line)
        }
        while let pending = state.withLock({ $0.inFlight.values.first?.task }) {
            await pending.value
        }
    }

    /// Handles one line from the client.
    func receive(line: Data) {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        guard let parsed = try? JSONSerialization.jsonObject(with: line) else {
            output.send(Self.errorReply(id: nil, ExampleServerRPCError(code: -32700, message: "Parse error")))
            return
        }
        if let batch = parsed as? [Any] {
            // 2025-03-26 batches: every element is handled on its own and answered on its own line.
            if batch.isEmpty {
                output.send(Self.errorReply(id: nil, ExampleServerRPCError(code: -32600, message: "Invalid Request")))
            }
            for element in batch { receive(message: element) }
        } else {
            receive(message: parsed)
        }
    }

    private func receive(message: Any) {
        guard let object = message as? [String: Any] else {
            output.send(Self.errorReply(id: nil, ExampleServerRPCError(code: -32600, message: "Invalid Request")))
            return
        }
        guard let request = ExampleServerRequest(message: object) else {
            // A response from the client (this server sends no requests), or garbage.
            if object["result"] == nil && object["error"] == nil {
                let id = ExampleServerRequestID(json: object["id"])
                output.send(Self.errorReply(id: id, ExampleServerRPCError(code: -32600, message: "Invalid Request")))
            }
            return
        }
        guard let id = request.id else {
            receive(notification: request)
            return
        }
        state.withLock { current in
            current.nextSerial += 1
            let serial = current.nextSerial
            let task = Task { [self] in
                let reply = await self.reply(to: request, id: id)
                if let reply, !Task.isCancelled { output.send(reply) }
                self.state.withLock { latest in
                    if latest.inFlight[id]?.serial == serial { latest.inFlight[id] = nil }
                }
            }
            current.inFlight[id] = InFlight(serial: serial, task: task)
        }
    }

    private func receive(notification: ExampleServerRequest) {
        switch notification.method {
        case "notifications/cancelled":
            guard let id = notification.cancelledID else { return }
            state.withLock { $0.inFlight[id]?.task }?.cancel()
        default:
            break  // notifications/initialized and friends: nothing to do, and never a reply.
        }
    }

    /// The whole response message for a request, or nil when the request was cancelled.
    private func reply(to request: ExampleServerRequest, id: ExampleServerRequestID) async -> [String: Any]? {
        do {
            var result = try await self.result(for: request)
            if request.isStateless {
                result["resultType"] = "complete"
                var meta = result["_meta"] as? [String: Any] ?? [:]
                meta["io.modelcontextprotocol/serverInfo"] = ExampleServerCatalog.serverInfo
                result["_meta"] = meta
            }
            return ["jsonrpc": "2.0", "id": id.json, "result": result]
        } catch is CancellationError {
            return nil
        } catch let error as ExampleServerRPCError {
            return Self.errorReply(id: id, error)
        } catch {
            return Self.errorReply(id: id, .internalError("Internal error: \(error)"))
        }
    }

    private func result(for request: ExampleServerRequest) async throws -> [String: Any] {
        if let version = request.metaProtocolVersion, !ExampleServerCatalog.statelessVersions.contains(version) {
            throw ExampleServerRPCError(
                code: -32022, message: "Unsupported protocol version: \(version)",
                data: ["supported": ExampleServerCatalog.allVersions, "requested": version])
        }
        switch request.method {
        case "initialize":
            return initialize(request)
        case "server/discover":
            return cacheable([
                "supportedVersions": ExampleServerCatalog.allVersions,
                "capabilities": ExampleServerCatalog.capabilities,
                "serverInfo": ExampleServerCatalog.serverInfo,
                "instructions": ExampleServerCatalog.instructions,
            ])
        case "ping":
            return [:]
        case "tools/list":
            return cacheable(["tools": ExampleServerCatalog.tools])
        case "tools/call":
            guard let name = request.name else { throw ExampleServerRPCError.invalidParams("Missing tool name") }
            return try await tools.call(name, arguments: request.arguments)
        case "prompts/list":
            return cacheable(["prompts": ExampleServerCatalog.prompts])
        case "prompts/get":
            guard let name = request.name else { throw ExampleServerRPCError.invalidParams("Missing prompt name") }
            return try await tools.prompt(name, arguments: request.arguments)
        case "resources/list":
            return cacheable(["resources": ExampleServerCatalog.resources])
        case "resources/templates/list":
            return cacheable(["resourceTemplates": ExampleServerCatalog.resourceTemplates])
        case "resources/read":
            guard let uri = request.uri else { throw ExampleServerRPCError.invalidParams("Missing resource uri") }
            return cacheable(try await tools.read(uri, stateless: request.isStateless))
        default:
            throw ExampleServerRPCError.methodNotFound(request.method)
        }
    }

    private func initialize(_ request: ExampleServerRequest) -> [String: Any] {
        let proposed = request.proposedVersion ?? ""
        let version = ExampleServerCatalog.handshakeVersions.contains(proposed)
            ? proposed : ExampleServerCatalog.handshakeVersions.last!
        let client = [request.clientName, request.clientVersion].compactMap { $0 }.joined(separator: " ")
        ExampleServerLog.write("initialized by \(client.isEmpty ? "an unnamed client" : client), protocol \(version)")
        return [
            "protocolVersion": version,
            "capabilities": ExampleServerCatalog.capabilities,
            "serverInfo": ExampleServerCatalog.serverInfo,
            "instructions": ExampleServerCatalog.instructions,
        ]
    }

    /// Adds the 2026-07-28 caching hints (immediately stale, private) that cacheable results carry.
    private func cacheable(_ result: [String: Any]) -> [String: Any] {
        var result = result
        result["ttlMs"] = 0
        result["cacheScope"] = "private"
        return result
    }

    private static func errorReply(id: ExampleServerRequestID?, _ error: ExampleServerRPCError) -> [String: Any] {
        ["jsonrpc": "2.0", "id": id?.json ?? NSNull(), "error": error.json]
    }
}
