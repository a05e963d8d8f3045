import Synchronization

/// Collects the log lines a monitor writes (its `TelltaleOptions.log`).
final class LogLines: Sendable {
    private let lines = Mutex([String]())

    /// The closure to pass as `TelltaleOptions.log`.
    var sink: @Sendable (String) -> Void {
        { [self] line in self.append(line) }
    }

    private func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    /// The lines so far.
    var all: [String] { lines.withLock { $0 } }

    /// The lines containing `text`.
    func matching(_ text: String) -> [String] { all.filter { $0.contains(text) } }
}
