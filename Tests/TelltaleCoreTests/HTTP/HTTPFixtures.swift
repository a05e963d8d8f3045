import Foundation
import TelltaleCore

/// Messages and bodies recorded with curl from the official Python `mcp` 2.3.0 `MCPServer` over
/// streamable HTTP (`streamable_http_app`, SSE and JSON replies) and legacy HTTP+SSE (`sse_app`),
/// with a `slow(steps)` tool that reports progress and a `fail()` tool that raises.
enum HTTPFixtures {
    static let sessionID = "07476e7733314ae69d5fa6e70cf96575"
    static let legacySessionID = "c8cf936329ba495d8341f82283478882"
    static let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let otherTraceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    static let initialize = #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mcp","version":"0.1.0"}}}"#
    static let initializeResult = #"{"jsonrpc":"2.0","id":1,"result":{"capabilities":{"prompts":{"listChanged":false},"resources":{"listChanged":false,"subscribe":false},"tools":{"listChanged":false}},"protocolVersion":"2025-11-25","serverInfo":{"name":"fixture-server","version":""}}}"#
    static let initialized = #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#
    static let slowCall = #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow","arguments":{"steps":2},"_meta":{"progressToken":7}}}"#
    static let progress1 = #"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":7,"progress":1,"total":2}}"#
    static let progress2 = #"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":7,"progress":2,"total":2}}"#
    static let slowResult = #"{"jsonrpc":"2.0","id":2,"result":{"content":[{"text":"done 2","type":"text"}],"isError":false,"structuredContent":{"result":"done 2"}}}"#
    static let failCall = #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"fail","arguments":{}}}"#
    static let failResult = #"{"jsonrpc":"2.0","id":3,"result":{"content":[{"text":"Error executing tool fail","type":"text"}],"isError":true}}"#
    static let toolsList = #"{"jsonrpc":"2.0","id":4,"method":"tools/list"}"#
    static let sessionNotFound = #"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Session not found"}}"#

    static let legacyInitialize = #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"mcp","version":"0.1.0"}}}"#
    static let legacyInitializeResult = #"{"jsonrpc":"2.0","id":1,"result":{"capabilities":{"prompts":{"listChanged":false},"resources":{"listChanged":false,"subscribe":false},"tools":{"listChanged":false}},"protocolVersion":"2024-11-05","serverInfo":{"name":"fixture-server","version":""}}}"#
    static let legacySlowCall = #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow","arguments":{"steps":1},"_meta":{"progressToken":"p"}}}"#
    static let legacyProgress = #"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"p","progress":1,"total":1}}"#
    static let legacySlowResult = #"{"jsonrpc":"2.0","id":2,"result":{"content":[{"text":"done 1","type":"text"}],"isError":false,"structuredContent":{"result":"done 1"}}}"#

    /// A 2026-07-28 request (no session) with the SDK's `_meta` keys; `traceparent` optional.
    static func modernCall(id: Int, traceparent: String? = nil) -> String {
        let trace = traceparent.map { #","traceparent":"\#($0)""# } ?? ""
        return #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"slow","arguments":{"steps":1},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"mcp","version":"0.1.0"},"io.modelcontextprotocol/clientCapabilities":{}\#(trace)}}}"#
    }

    static func modernResult(id: Int) -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"result":{"content":[{"text":"done 1","type":"text"}],"isError":false,"resultType":"complete","structuredContent":{"result":"done 1"},"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"fixture-server","version":""}}}}"#
    }

    /// One SSE `message` event as the Python server frames it.
    static func sseEvent(_ data: String) -> String {
        "event: message\r\ndata: \(data)\r\n\r\n"
    }

    /// Response headers of a streamable HTTP reply.
    static func replyHeaders(sse: Bool, session: String? = sessionID) -> HTTPFields {
        var fields: [(name: String, value: String)] = [("date", "Wed, 25 Nov 2026 14:59:19 GMT"), ("server", "uvicorn")]
        if sse {
            fields += [("cache-control", "no-cache, no-transform"), ("connection", "keep-alive"),
                       ("content-type", "text/event-stream")]
        } else {
            fields.append(("content-type", "application/json"))
        }
        if let session { fields.append(("mcp-session-id", session)) }
        if sse { fields += [("x-accel-buffering", "no"), ("Transfer-Encoding", "chunked")] }
        return HTTPFields(fields)
    }

    /// Request headers the Python client sends on a POST.
    static func postHeaders(session: String? = nil, extra: [(String, String)] = []) -> HTTPFields {
        var fields: [(name: String, value: String)] = [
            ("Host", "127.0.0.1:18701"), ("Accept", "application/json, text/event-stream"),
            ("Content-Type", "application/json"), ("User-Agent", "python-httpx/0.28.1"),
        ]
        if let session {
            fields += [("mcp-session-id", session), ("mcp-protocol-version", "2025-11-25")]
        }
        fields += extra.map { (name: $0.0, value: $0.1) }
        return HTTPFields(fields)
    }
}
