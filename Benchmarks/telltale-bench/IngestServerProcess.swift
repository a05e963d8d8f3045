import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A `telltale serve` child process on a free loopback port, for the ingest benchmark.
struct IngestServerProcess {
    let process: Process
    let port: Int

    /// Runs `telltale keys create` on `data` and returns the key (the last line of its output).
    static func createKey(telltale: String, data: URL, scope: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: telltale)
        process.arguments = ["keys", "create", "--data", data.path, "--scope", scope]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let bytes = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        guard process.terminationStatus == 0, let key = lines.last.map(String.init), !key.isEmpty else {
            throw BenchmarkError("`telltale keys create` failed (exit \(process.terminationStatus))")
        }
        return key
    }

    /// Starts the server and waits until `/healthz` answers.
    static func start(telltale: String, data: URL) async throws -> IngestServerProcess {
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: telltale)
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port), "--data", data.path]
        process.standardOutput = FileHandle.nullDevice
        process.environment = ProcessInfo.processInfo.environment.merging(["LOG_LEVEL": "warning"]) { $1 }
        try process.run()
        let server = IngestServerProcess(process: process, port: port)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let url = URL(string: "http://127.0.0.1:\(port)/healthz"),
               let (_, response) = try? await URLSession.shared.data(from: url),
               (response as? HTTPURLResponse)?.statusCode == 200 {
                return server
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.stop()
        throw BenchmarkError("`telltale serve` did not become healthy on port \(port)")
    }

    /// Stops the server (SIGTERM) and waits for it.
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// A loopback port nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchmarkError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 &&
                getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw BenchmarkError("could not find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
