#if canImport(Glibc)
import Glibc
#endif
import TelltaleCapture

/// A spawned stdio process driven one line at a time (the benchmark's MCP client side).
struct LinePeer {
    let process: ChildProcess
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity = 1 << 20

    init(_ command: [String], standardError: Int32? = nil) throws {
        process = try ChildProcess.spawn(command, standardError: standardError)
        buffer = .allocate(capacity: capacity)
    }

    /// Writes `line` (newline included) and blocks until one full response line came back.
    /// Returns the response length, or -1 if the peer closed.
    func roundTrip(_ line: UnsafeRawBufferPointer) -> Int {
        guard FileDescriptorIO.writeAll(process.standardInput, line.baseAddress!, count: line.count) == 0 else {
            return -1
        }
        var received = 0
        while true {
            let n = read(process.standardOutput, buffer + received, capacity - received)
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                return -1
            }
            received += n
            if buffer[received - 1] == 0x0A { return received }
        }
    }

    /// Peak resident set size of the process (`VmHWM`), in KiB, or nil.
    func peakResidentKiB() -> Int? {
        ProcStatus.value("VmHWM", pid: process.pid)
    }

    /// Peak RSS with the current split into private (`RssAnon`) and file-backed, mostly shared code
    /// (`RssFile`) pages, e.g. `36868 KiB (now anon 9120, file 26652)`.
    func residentDescription() -> String {
        guard let peak = peakResidentKiB() else { return "?" }
        let anon = ProcStatus.value("RssAnon", pid: process.pid).map(String.init) ?? "?"
        let file = ProcStatus.value("RssFile", pid: process.pid).map(String.init) ?? "?"
        return "\(peak) KiB (now anon \(anon), file \(file))"
    }

    /// Closes stdin (EOF) and waits for the process to exit.
    func finish() -> ChildExitStatus {
        close(process.standardInput)
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 65536)
        while read(process.standardOutput, scratch, 65536) > 0 {}
        scratch.deallocate()
        close(process.standardOutput)
        buffer.deallocate()
        return process.reap()
    }
}

/// Reads fields of `/proc/PID/status`.
enum ProcStatus {
    /// The number in field `name` (e.g. `VmHWM:   12345 kB` → 12345).
    static func value(_ name: String, pid: pid_t) -> Int? {
        let fd = open("/proc/\(pid)/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 16384)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        guard n > 0 else { return nil }
        let text = String(decoding: bytes[..<n], as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let digits = line.drop(while: { !$0.isNumber }).prefix(while: { $0.isNumber })
            return Int(digits)
        }
        return nil
    }
}
