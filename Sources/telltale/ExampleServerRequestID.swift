import Foundation

/// A JSON-RPC request id exactly as the client sent it: an integer, another number, or a string.
enum ExampleServerRequestID: Hashable, Sendable, CustomStringConvertible {
    case integer(Int)
    case double(Double)
    case string(String)

    /// Reads an id from a value produced by `JSONSerialization`; nil for `null`, objects, arrays and booleans.
    init?(json value: Any?) {
        switch value {
        case let text as String:
            self = .string(text)
        case let number as NSNumber:
            if ExampleServerRequestID.isBoolean(number) { return nil }
            if let integer = Int(number.stringValue) {
                self = .integer(integer)
            } else {
                self = .double(number.doubleValue)
            }
        default:
            return nil
        }
    }

    /// The id as a `JSONSerialization`-ready value, to echo back in the response.
    var json: Any {
        switch self {
        case .integer(let value): return value
        case .double(let value): return value
        case .string(let value): return value
        }
    }

    var description: String {
        switch self {
        case .integer(let value): return String(value)
        case .double(let value): return String(value)
        case .string(let value): return "\"\(value)\""
        }
    }

    private static func isBoolean(_ number: NSNumber) -> Bool {
        String(describing: type(of: number)).contains("Boolean")
    }
}
