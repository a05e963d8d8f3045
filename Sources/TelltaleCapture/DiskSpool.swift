import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bounded folder of batch files (gzip NDJSON, exactly the bytes of one ingest request) kept
/// while the collector is unreachable, and drained in order when it returns.
///
/// - Files appear atomically: written under a dot-name, then renamed into place.
/// - Names sort in creation order: `{µs since 1970, 20 digits}-{pid}-{seq}-n{calls}.ndjson.gz`.
/// - Any process may write; one process at a time drains, holding an exclusive `flock` on
///   `.drain.lock` (the kernel releases it when the holder exits, even by crash).
/// - Over ``maxBytes``, the oldest files are deleted; their calls are reported as evicted.
final class DiskSpool: Sendable {
    /// The spool folder.
    let directory: URL
    /// Upper bound of the folder's batch files, in bytes.
    let maxBytes: Int

    private struct LockState {
        var drainLockFD: Int32?
        var sequence = 0
    }

    /// The drain lock descriptor and the file sequence number.
    private let state = Mutex(LockState())

    init(directory: URL, maxBytes: Int) {
        self.directory = directory
        self.maxBytes = maxBytes
    }

    deinit {
        releaseDrainLock()
    }

    /// Writes one batch file; then deletes the oldest files while the spool is over its bound.
    func write(_ body: [UInt8], callCount: Int) -> SpoolWriteOutcome {
        let sequence = state.withLock { state -> Int in
            state.sequence += 1
            return state.sequence
        }
        let pid = getpid()
        let micros = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let name = String(format: "%020lld-%010ld-%08ld-n%ld", micros, Int(pid), sequence, callCount) + Self.suffix
        let tmp = directory.appendingPathComponent(".tmp-\(pid)-\(sequence)")
        let final = directory.appendingPathComponent(name)
        // Spooled calls may carry (redacted) payloads: owner-only folder and files.
        try? FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
        )
        guard FileManager.default.createFile(atPath: tmp.path, contents: Data(body), attributes: [.posixPermissions: 0o600]) else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: tmp)
            return SpoolWriteOutcome(file: nil, evicted: [], error: SpoolError(operation: "write", path: tmp.path, reason: reason))
        }
        if rename(tmp.path, final.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: tmp)
            return SpoolWriteOutcome(file: nil, evicted: [], error: SpoolError(operation: "rename", path: final.path, reason: reason))
        }
        let written = SpoolFile(url: final, name: name, callCount: callCount, size: body.count)
        let evicted = enforceBound()
        let survived = !evicted.contains { $0.name == name }
        return SpoolWriteOutcome(file: survived ? written : nil, evicted: evicted, error: nil)
    }

    /// The batch files, oldest first.
    func files() -> [SpoolFile] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var result: [SpoolFile] = []
        for name in names where !name.hasPrefix(".") && name.hasSuffix(Self.suffix) {
            let url = directory.appendingPathComponent(name)
            var info = stat()
            guard stat(url.path, &info) == 0 else { continue }
            result.append(SpoolFile(url: url, name: name, callCount: Self.callCount(inName: name), size: Int(info.st_size)))
        }
        return result.sorted { $0.name < $1.name }
    }

    /// Deletes temporary files older than `age` (left by a writer that crashed between write and rename).
    func removeStaleTemporaryFiles(olderThan age: TimeInterval = 3600) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(".tmp-") {
            let path = directory.appendingPathComponent(name).path
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
            else { continue }
            if -modified.timeIntervalSinceNow > age { unlink(path) }
        }
    }

    /// Total size of the batch files, in bytes.
    func totalBytes() -> Int {
        files().reduce(0) { $0 + $1.size }
    }

    /// The file's bytes; nil when it is gone (drained or evicted by another process) or unreadable.
    func read(_ file: SpoolFile) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: file.url.path) else { return nil }
        return [UInt8](data)
    }

    /// Deletes a batch file (no error when it is already gone).
    func remove(_ file: SpoolFile) {
        unlink(file.url.path)
    }

    /// Takes the exclusive drain lock without waiting; true when this instance holds it (already or now).
    func tryAcquireDrainLock() -> Bool {
        state.withLock { state in
            if state.drainLockFD != nil { return true }
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = directory.appendingPathComponent(".drain.lock").path
            let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return false }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                close(fd)
                return false
            }
            state.drainLockFD = fd
            return true
        }
    }

    /// Releases the drain lock if this instance holds it.
    func releaseDrainLock() {
        state.withLock { state in
            guard let fd = state.drainLockFD else { return }
            flock(fd, LOCK_UN)
            close(fd)
            state.drainLockFD = nil
        }
    }

    /// Deletes the oldest files until the spool fits its bound; returns the deleted files.
    private func enforceBound() -> [SpoolFile] {
        let all = files()
        var total = all.reduce(0) { $0 + $1.size }
        var evicted: [SpoolFile] = []
        for file in all where total > maxBytes {
            remove(file)
            total -= file.size
            evicted.append(file)
        }
        return evicted
    }

    private static let suffix = ".ndjson.gz"

    /// The `n{calls}` part of a batch file name (0 when missing).
    static func callCount(inName name: String) -> Int {
        let stem = name.dropLast(suffix.count)
        guard let part = stem.split(separator: "-").last, part.hasPrefix("n") else { return 0 }
        return Int(part.dropFirst()) ?? 0
    }
}

/// One batch file in a ``DiskSpool``.
struct SpoolFile: Sendable, Hashable {
    let url: URL
    let name: String
    /// Calls in the batch (from the file name).
    let callCount: Int
    /// Bytes on disk.
    let size: Int
}

/// What ``DiskSpool/write(_:callCount:)`` did.
struct SpoolWriteOutcome: Sendable {
    /// The new file, unless writing failed or the file alone was over the bound and was evicted at once.
    var file: SpoolFile?
    /// Files deleted to keep the bound, oldest first (may include the new file).
    var evicted: [SpoolFile]
    /// Why nothing was written.
    var error: SpoolError?

    /// Calls that the eviction threw away.
    var evictedCalls: Int { evicted.reduce(0) { $0 + $1.callCount } }
}

/// A spool file could not be written.
struct SpoolError: Error, CustomStringConvertible, Sendable {
    var operation: String
    var path: String
    var reason: String

    var description: String { "cannot \(operation) spool file \(path): \(reason)" }
}
