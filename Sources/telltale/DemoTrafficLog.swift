import Foundation
import TelltaleCapture
import Synchronization

/// The demo traffic's stderr log: each kind of problem is reported once, so a broken demo never floods the console.
enum DemoTrafficLog {
    /// Keys of the messages already written.
    private static let seen = Mutex<Set<String>>([])

    /// Writes `message` to standard error unless a message with the same `key` was written before.
    static func once(_ key: String, _ message: @autoclosure () -> String) {
        let first = seen.withLock { $0.insert(key).inserted }
        if first { FileDescriptorIO.writeLine(toStandardError: "demo: \(message())") }
    }
}
