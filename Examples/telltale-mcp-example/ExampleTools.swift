import Foundation
import MCP

/// The example server's tools.
enum ExampleTools {
    static let tools = [
        Tool(name: "add", description: "Adds two numbers", inputSchema: schema(["a", "b"])),
        Tool(name: "divide", description: "Divides a by b (a tool error when b is 0)", inputSchema: schema(["a", "b"])),
        Tool(name: "sleep", description: "Waits ms milliseconds", inputSchema: schema(["ms"])),
    ]

    static func register(on server: Server) async {
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: tools)
        }
        await server.withMethodHandler(CallTool.self) { params in
            let arguments = params.arguments ?? [:]
            func number(_ key: String) -> Double { arguments[key]?.doubleValue ?? Double(arguments[key]?.intValue ?? 0) }
            switch params.name {
            case "add":
                return result(format(number("a") + number("b")))
            case "divide":
                guard number("b") != 0 else { return result("division by zero", isError: true) }
                return result(format(number("a") / number("b")))
            case "sleep":
                try await Task.sleep(for: .milliseconds(Int(number("ms"))))
                return result("slept")
            default:
                throw MCPError.invalidParams("Unknown tool: \(params.name)")
            }
        }
    }

    private static func schema(_ names: [String]) -> Value {
        .object([
            "type": .string("object"),
            "properties": .object(Dictionary(uniqueKeysWithValues: names.map { ($0, Value.object(["type": .string("number")])) })),
            "required": .array(names.map(Value.string)),
        ])
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// A tool result with one text item.
    static func result(_ text: String, isError: Bool = false) -> CallTool.Result {
        CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], isError: isError)
    }
}
