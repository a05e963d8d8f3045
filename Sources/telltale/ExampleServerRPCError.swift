/// A JSON-RPC error the example server answers with instead of a result.
struct ExampleServerRPCError: Error, CustomStringConvertible {
    /// The JSON-RPC error code, e.g. -32602 for invalid params.
    var code: Int
    var message: String
    /// Optional `error.data`; values must be strings or arrays of strings.
    var data: [String: any Sendable]?

    var description: String { "JSON-RPC error \(code): \(message)" }

    /// The `error` member of a JSON-RPC response.
    var json: [String: Any] {
        var object: [String: Any] = ["code": code, "message": message]
        if let data { object["data"] = data }
        return object
    }

    static func methodNotFound(_ method: String) -> ExampleServerRPCError {
        ExampleServerRPCError(code: -32601, message: "Method not found: \(method)")
    }

    static func invalidParams(_ message: String) -> ExampleServerRPCError {
        ExampleServerRPCError(code: -32602, message: message)
    }

    static func internalError(_ message: String) -> ExampleServerRPCError {
        ExampleServerRPCError(code: -32603, message: message)
    }
}
