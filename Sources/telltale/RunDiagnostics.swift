#if canImport(Glibc)
import Glibc
#endif

/// Writes the wrapper's own messages to stderr (never stdout: that belongs to the wrapped server).
enum RunDiagnostics {
    /// Writes `message` and a newline to stderr in one `write`, ignoring failures.
    static func write(_ message: String) {
        var line = message
        line.append("\n")
        line.withUTF8 { bytes in
            _ = RunDiagnosticsWriter.writeAll(STDERR_FILENO, bytes)
        }
    }
}

/// Minimal write-all loop for the CLI's own messages.
private enum RunDiagnosticsWriter {
    static func writeAll(_ fd: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, base + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }
}
