import Foundation
import TelltaleCapture

/// The example server's stderr log (stdout carries only MCP messages).
enum ExampleServerLog {
    /// Writes one line to standard error, prefixed with the server's name.
    static func write(_ message: String) {
        FileDescriptorIO.writeLine(toStandardError: "telltale-example: \(message)")
    }
}
