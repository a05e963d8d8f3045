import TelltaleCapture

/// Writes the wrapper's own messages to stderr (never stdout: that belongs to the wrapped server).
enum RunDiagnostics {
    /// Writes `message` and a newline to stderr in one `write`, ignoring failures.
    static func write(_ message: String) {
        FileDescriptorIO.writeLine(toStandardError: message)
    }
}
