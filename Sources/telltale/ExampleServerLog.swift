import Foundation

/// The example server's stderr log (stdout carries only MCP messages).
enum ExampleServerLog {
    /// Writes one line to standard error, prefixed with the server's name.
    static func write(_ message: String) {
        FileHandle.standardError.write(Data("telltale-example: \(message)\n".utf8))
    }
}
