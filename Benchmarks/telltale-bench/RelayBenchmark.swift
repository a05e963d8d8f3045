import ArgumentParser
import Dispatch
import TelltaleCapture
#if canImport(Glibc)
import Glibc
#endif

/// `telltale-bench relay`: what `telltale run` adds to a stdio MCP server.
///
/// Latency: sequential ~300-byte `tools/call` lines against `telltale-bench echo-server`, directly and
/// through `telltale run`, both alive for the whole run, in interleaved rounds. Bulk: bytes through
/// `telltale run -- cat` (and plain `cat` for reference). Memory: the wrapper's peak RSS (VmHWM).
struct RelayBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Round-trip latency and bulk throughput added by `telltale run`, and its peak RSS."
    )

    @Option(help: "Path of the telltale executable (default: next to this benchmark).")
    var telltale: String?

    @Option(help: "Round trips per mode per round.")
    var requests = 2000

    @Option(help: "Interleaved rounds (direct, wrapped, wrapped, direct, …).")
    var rounds = 10

    @Option(help: "Warm-up round trips per mode (not measured).")
    var warmup = 1000

    @Option(name: .customLong("request-bytes"), help: "Size of each request line, newline included.")
    var requestBytes = 300

    @Option(name: .customLong("run-option"), parsing: .unconditionalSingleValue,
            help: "An option for `telltale run` (repeatable; default `--api-key ''`, i.e. relay without recording).")
    var runOptions: [String] = []

    @Option(help: ArgumentHelp(
        "Also measure StdioRelay in `telltale-bench observed-wrapper` with this observer (framing, noop, off).",
        valueName: "observer"))
    var observed: ObservedRelayWrapper.Kind?

    @Option(name: .customLong("bulk-mib"), help: "MiB pushed through `cat` for the throughput test (0 skips it).")
    var bulkMiB = 1024

    func run() throws {
        let benchmark = try Self.ownExecutable()
        let wrapper = try Self.locateTelltale(telltale)
        let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { close(null) }
        print("telltale-bench relay: \(wrapper)")
        print("requests \(requests) × \(rounds) rounds per mode, \(requestBytes)-byte lines, warm-up \(warmup)\n")

        let runOptions = self.runOptions.isEmpty ? ["--api-key", ""] : self.runOptions
        print("wrapper: telltale run \(runOptions.map { $0.isEmpty ? "''" : $0 }.joined(separator: " ")) -- …")
        let latency = try measureLatency(benchmark: benchmark, wrapper: wrapper, runOptions: runOptions, null: null)
        print(latency)
        if bulkMiB > 0 {
            let bytes = bulkMiB << 20
            let direct = try Self.bulk(["cat"], bytes: bytes, null: null)
            let wrapped = try Self.bulk([wrapper, "run"] + runOptions + ["--", "cat"], bytes: bytes, null: null)
            print("\nbulk pass-through, \(bulkMiB) MiB in 64 KiB writes:")
            print("  cat directly:              \(Self.rate(bytes, direct.seconds))")
            print("  telltale run -- cat:       \(Self.rate(bytes, wrapped.seconds))   (target ≥ 250 MB/s)")
            print("  wrapper peak RSS (VmHWM):  \(wrapped.peakKiB.map { "\($0 / 1024).\($0 % 1024 * 10 / 1024) MiB" } ?? "?")"
                + "   (target ≤ 30 MB)")
        }
    }

    private func measureLatency(
        benchmark: String, wrapper: String, runOptions: [String], null: Int32
    ) throws -> String {
        var modes: [(name: String, peer: LinePeer)] = [
            ("direct pipe", try LinePeer([benchmark, "echo-server"])),
            ("through telltale run", try LinePeer(
                [wrapper, "run"] + runOptions + ["--", benchmark, "echo-server"], standardError: null)),
        ]
        if let observed {
            modes.append(("StdioRelay, observer: \(observed.rawValue)", try LinePeer(
                [benchmark, "observed-wrapper", "--observer", observed.rawValue, "--", benchmark, "echo-server"],
                standardError: null)))
        }
        var request = RequestLine(size: requestBytes)
        var samples = Array(repeating: LatencySamples(), count: modes.count)
        var id = 0

        func trip(_ peer: LinePeer) throws -> UInt64 {
            id += 1
            let start = LatencySamples.now()
            let received = request.send(id: id, through: peer)
            let end = LatencySamples.now()
            guard received > 0 else { throw ValidationError("the echo server closed its output") }
            return end - start
        }

        for mode in modes {
            for _ in 0..<warmup { _ = try trip(mode.peer) }
        }
        for round in 0..<rounds {
            let order = round % 2 == 0 ? Array(modes.indices) : modes.indices.reversed()
            for mode in order {
                for _ in 0..<requests { samples[mode].append(try trip(modes[mode].peer)) }
            }
        }
        let peaks = modes.map { $0.peer.residentDescription() }
        for mode in modes {
            let status = mode.peer.finish()
            guard status == .exited(0) else { throw ValidationError("\(mode.name): echo server \(status)") }
        }

        let direct = samples[0]
        var report = "round trip, µs (n = \(direct.count) each)".padded(42) + "p50       p95       p99       mean      peak RSS\n"
        for (index, mode) in modes.enumerated() {
            let s = samples[index]
            report += "  " + mode.name.padded(40) + Self.row([s.quantile(0.5), s.quantile(0.95), s.quantile(0.99), s.mean])
                + (index == 0 ? "" : peaks[index]) + "\n"
        }
        for index in modes.indices.dropFirst() {
            let s = samples[index]
            report += "  ADDED (\(modes[index].name))".padded(42) + Self.row([
                s.quantile(0.5) - direct.quantile(0.5), s.quantile(0.95) - direct.quantile(0.95),
                s.quantile(0.99) - direct.quantile(0.99), s.mean - direct.mean,
            ]) + "\n"
        }
        report += "  targets: added p50 ≤ 20 µs, p95 ≤ 40 µs; wrapper RSS ≤ 30 MB"
        return report
    }

    private static func row(_ nanoseconds: [Double]) -> String {
        nanoseconds.map { LatencySamples.micros($0).padded(10) }.joined()
    }

    /// Pushes `bytes` through `command` (which must echo its input) and times it until all came back.
    private static func bulk(_ command: [String], bytes: Int, null: Int32) throws -> (seconds: Double, peakKiB: Int?) {
        let process = try ChildProcess.spawn(command, standardError: null)
        let chunk = 64 * 1024
        let source = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { source.deallocate() }
        for i in 0..<source.count { source[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 13) }
        let sink = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { sink.deallocate() }
        let written = DispatchSemaphore(value: 0)
        let input = process.standardInput
        let sourceAddress = UInt(bitPattern: source.baseAddress!)
        // Wait until the whole chain is up (the wrapper has started `cat`) before timing: echo a 4 KiB probe.
        guard FileDescriptorIO.writeAll(input, source.baseAddress!, count: 4096) == 0 else {
            throw ValidationError("\(command.joined(separator: " ")): cannot write")
        }
        var probe = 0
        while probe < 4096 {
            guard case .bytes(let n) = FileDescriptorIO.readSome(process.standardOutput, into: sink, capacity: 4096 - probe)
            else { throw ValidationError("\(command.joined(separator: " ")) did not echo") }
            probe += n
        }
        let start = LatencySamples.now()
        let started = RelayThread.start(name: "bench-writer") {
            let base = UnsafeRawPointer(bitPattern: sourceAddress)!
            var sent = 0
            while sent < bytes {
                let count = min(chunk, bytes - sent)
                if FileDescriptorIO.writeAll(input, base + (sent % (1 << 20)), count: count) != 0 { break }
                sent += count
            }
            written.signal()
        }
        guard started else { throw ValidationError("could not start the writer thread") }
        var received = 0
        while received < bytes {
            let n = read(process.standardOutput, sink, 1 << 20)
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                break
            }
            received += n
        }
        let seconds = Double(LatencySamples.now() - start) / 1e9
        written.wait()
        let peak = ProcStatus.value("VmHWM", pid: process.pid)
        close(input)
        close(process.standardOutput)
        let status = process.reap()
        guard received == bytes, status == .exited(0) else {
            throw ValidationError("\(command.joined(separator: " ")): received \(received) of \(bytes) bytes, \(status)")
        }
        return (seconds, peak)
    }

    private static func rate(_ bytes: Int, _ seconds: Double) -> String {
        let mbps = Double(bytes) / seconds / 1e6
        return "\(Int(mbps.rounded())) MB/s (\(Int((seconds * 1000).rounded())) ms)"
    }

    /// The `telltale` executable: `option` when given, else the one next to this benchmark.
    static func locateTelltale(_ option: String?) throws -> String {
        let path = try option ?? directory(of: ownExecutable()) + "/telltale"
        guard access(path, X_OK) == 0 else {
            throw ValidationError("telltale executable not found at \(path); build it or pass --telltale")
        }
        return path
    }

    static func ownExecutable() throws -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { throw ValidationError("cannot read /proc/self/exe") }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }
}

/// A `tools/call` request line of a fixed size whose numeric id is rewritten in place.
struct RequestLine {
    private var bytes: [UInt8]
    private let idOffset: Int
    private static let idWidth = 9

    init(size: Int) {
        let head = #"{"jsonrpc":"2.0","id":"#
        let idPlaceholder = String(repeating: "1", count: Self.idWidth)
        let body = #","method":"tools/call","params":{"name":"echo","arguments":{"text":""#
        let tail = #""}}}"#
        let fixed = head.utf8.count + Self.idWidth + body.utf8.count + tail.utf8.count + 1
        let text = head + idPlaceholder + body + String(repeating: "a", count: max(0, size - fixed)) + tail + "\n"
        bytes = Array(text.utf8)
        idOffset = head.utf8.count
    }

    /// Sends the line with `id` (kept 9 digits wide, so every line has the same size) and waits for the answer.
    mutating func send(id: Int, through peer: LinePeer) -> Int {
        var value = 100_000_000 + id % 900_000_000
        for i in stride(from: Self.idWidth - 1, through: 0, by: -1) {
            bytes[idOffset + i] = UInt8(0x30 + value % 10)
            value /= 10
        }
        return bytes.withUnsafeBytes { peer.roundTrip($0) }
    }
}

fileprivate extension String {
    /// Left-aligned in `width` columns.
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
