import Foundation
import MCP
import TelltaleMCP

/// A real swift-sdk `Server` with a few tools that produce each outcome, and helpers to run it with a real
/// `Client` over a monitored in-memory transport pair.
enum TestServer {
    static let name = "test-server"
    static let version = "2.0.0"
    static let clientName = "test-client"
    static let clientVersion = "3.1.0"

    /// The server, tools registered: `add`, `divide` (tool error on b = 0), `sleep {ms}`, `echo` (its
    /// arguments), `header {name}` (a header of the HTTP request, seen through the handler context),
    /// `roots` (asks the client for its roots: a server→client request); any other tool is a JSON-RPC
    /// error (-32602).
    static func make() async -> Server {
        let server = Server(name: name, version: version, capabilities: .init(tools: .init()))
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: ["add", "divide", "sleep", "echo", "header", "roots"].map {
                Tool(name: $0, description: $0, inputSchema: .object(["type": .string("object")]))
            })
        }
        await server.withMethodHandler(CallTool.self) { [server] params in
            let arguments = params.arguments ?? [:]
            func number(_ key: String) -> Int { arguments[key]?.intValue ?? 0 }
            switch params.name {
            case "add":
                return result(String(number("a") + number("b")))
            case "divide":
                guard number("b") != 0 else { return result("division by zero", isError: true) }
                return result(String(number("a") / number("b")))
            case "sleep":
                try await Task.sleep(for: .milliseconds(number("ms")))
                return result("slept")
            case "echo":
                let text = String(decoding: try JSONEncoder().encode(arguments), as: UTF8.self)
                return result(text)
            case "header":
                let value = Server.currentHandlerContext?.httpContext?.header(arguments["name"]?.stringValue ?? "")
                return result(value ?? "<none>")
            case "roots":
                let roots = try await server.listRoots()
                return result(roots.map(\.uri).joined(separator: ","))
            default:
                throw MCPError.invalidParams("Unknown tool: \(params.name)")
            }
        }
        return server
    }

    /// A connected client and a started server over an in-memory pair whose server side is monitored by
    /// `telltale` (`client` defaults to one named ``clientName``); returns the client, the server and the
    /// monitored transport.
    static func connect(
        _ telltale: Telltale, client: Client = Client(name: clientName, version: clientVersion)
    ) async throws -> (client: Client, server: Server, transport: MonitoredTransport<InMemoryTransport>) {
        let (clientSide, serverSide) = await InMemoryTransport.createConnectedPair()
        let transport = telltale.monitor(serverSide)
        let server = await make()
        try await server.start(transport: transport)
        _ = try await client.connect(transport: clientSide)
        return (client, server, transport)
    }

    /// The text of the first content item of a tool result.
    static func text(_ content: [Tool.Content]) -> String? {
        guard case .text(let text, _, _)? = content.first else { return nil }
        return text
    }

    /// A tool result with one text item.
    static func result(_ text: String, isError: Bool = false) -> CallTool.Result {
        CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], isError: isError)
    }
}
