import Foundation
import MCP
import TelltaleMCP

/// A small swift-sdk MCP server over stdio, monitored by Telltale: the Swift SDK's quick start.
///
///     TELLTALE_ENDPOINT=http://127.0.0.1:7340 TELLTALE_API_KEY=tt_ingest_… telltale-mcp-example [--tag key=value …]
///
/// Tools: `add {a, b}`, `divide {a, b}` (a tool error when `b` is 0), `sleep {ms}`; any other name is a
/// JSON-RPC error. Without a collector it serves unmonitored (one line on stderr says so).
@main
struct ExampleServer {
    static func main() async throws {
        var tags: [String: String] = [:]
        var arguments = CommandLine.arguments.dropFirst()
        while let argument = arguments.popFirst() {
            guard argument == "--tag", let pair = arguments.popFirst(), let equals = pair.firstIndex(of: "=") else {
                FileHandle.standardError.write(Data("usage: telltale-mcp-example [--tag key=value …]\n".utf8))
                exit(2)
            }
            tags[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }

        let server = Server(name: "telltale-mcp-example", version: "1.0.0", capabilities: .init(tools: .init()))
        await ExampleTools.register(on: server)

        // The two lines Telltale needs: wrap the transport before the server starts, so `initialize` is seen.
        let transport = Telltale.monitor(StdioTransport(), TelltaleOptions(tags: tags))
        try await server.start(transport: transport)

        await server.waitUntilCompleted()   // until the client closes stdin
        await server.stop()                 // disconnects the transport, which flushes the last calls
    }
}
