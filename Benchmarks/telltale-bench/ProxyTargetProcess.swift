import CompressNIO
import Foundation
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// A reverse proxy child process of the HTTP proxy benchmark (nginx or `telltale proxy`), listening on a
/// loopback port, its output in a log file of the benchmark's temporary directory.
struct ProxyTargetProcess {
    let name: String
    let process: Process
    let port: Int
    let log: URL

    /// Starts `arguments` (absolute executable first) and waits until `port` accepts connections.
    static func start(
        name: String, arguments: [String], port: Int, log: URL, environment: [String: String]? = nil
    ) async throws -> ProxyTargetProcess {
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        if let environment { process.environment = environment }
        try process.run()
        try? output.close()
        let target = ProxyTargetProcess(name: name, process: process, port: port, log: log)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if Self.accepts(port: port) { return target }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        target.stop()
        throw BenchmarkError("\(name) did not listen on 127.0.0.1:\(port); its log:\n\(target.logTail())")
    }

    /// Stops the process (SIGTERM) and waits for it; returns its exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The last ~2 KB of the log.
    func logTail() -> String {
        guard let data = FileManager.default.contents(atPath: log.path) else { return "(no log)" }
        return String(decoding: data.suffix(2048), as: UTF8.self)
    }

    /// Whether a TCP connection to 127.0.0.1:`port` is accepted right now.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// nginx as a plain reverse proxy to `upstreamPort`, with everything it writes under `directory`.
    static func nginx(executable: String, upstreamPort: Int, workers: String, directory: URL) async throws -> ProxyTargetProcess {
        let port = try IngestServerProcess.freePort()
        let prefix = directory.appendingPathComponent("nginx", isDirectory: true)
        try FileManager.default.createDirectory(at: prefix, withIntermediateDirectories: true)
        let conf = prefix.appendingPathComponent("nginx.conf")
        try nginxConfiguration(port: port, upstreamPort: upstreamPort, workers: workers, prefix: prefix.path)
            .write(to: conf, atomically: true, encoding: .utf8)
        return try await start(
            name: "nginx",
            arguments: [executable, "-p", prefix.path + "/", "-c", conf.path, "-e", prefix.path + "/error.log"],
            port: port, log: prefix.appendingPathComponent("output.log"))
    }

    /// The nginx configuration: `proxy_buffering off`, HTTP/1.1 with keep-alive to the upstream; every
    /// path nginx writes (pid, logs, temporary files) under `prefix`. As root, the workers stay root (the
    /// default `nobody` could not use the temporary directories). `keepalive_requests` is raised from its
    /// default of 1,000 on both sides, so that nginx, like `telltale proxy`, keeps its connections for the
    /// whole run instead of closing them every thousand requests.
    static func nginxConfiguration(port: Int, upstreamPort: Int, workers: String, prefix: String) -> String {
        """
        \(getuid() == 0 ? "user root;\n" : "")daemon off;
        master_process on;
        worker_processes \(workers);
        pid \(prefix)/nginx.pid;
        error_log \(prefix)/error.log warn;
        events { worker_connections 4096; }
        http {
            access_log off;
            keepalive_requests 1000000;
            client_body_temp_path \(prefix)/client_body;
            proxy_temp_path \(prefix)/proxy;
            fastcgi_temp_path \(prefix)/fastcgi;
            uwsgi_temp_path \(prefix)/uwsgi;
            scgi_temp_path \(prefix)/scgi;
            upstream mcp {
                server 127.0.0.1:\(upstreamPort);
                keepalive 64;
                keepalive_requests 1000000;
            }
            server {
                listen 127.0.0.1:\(port);
                location / {
                    proxy_pass http://mcp;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_buffering off;
                }
            }
        }

        """
    }

    /// `telltale proxy 127.0.0.1:<upstream> 127.0.0.1:<free port> [options]`, with `XDG_DATA_HOME` pointing
    /// into `directory` so that its shipper's spool (calls it could not send in time) stays there.
    static func telltale(executable: String, upstreamPort: Int, options: [String], directory: URL) async throws -> ProxyTargetProcess {
        let port = try IngestServerProcess.freePort()
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_DATA_HOME"] = spoolHome(in: directory).path
        return try await start(
            name: "telltale proxy",
            arguments: [executable, "proxy", "127.0.0.1:\(upstreamPort)", "127.0.0.1:\(port)"] + options,
            port: port, log: directory.appendingPathComponent("telltale-proxy.log"), environment: environment)
    }

    /// The `XDG_DATA_HOME` of `telltale proxy`: its spool is `<this>/telltale/spool/<endpoint>/`.
    static func spoolHome(in directory: URL) -> URL {
        directory.appendingPathComponent("xdg", isDirectory: true)
    }

    /// Calls left in the spool of `telltale proxy`: request records and all records (notifications too).
    static func spooledCalls(in directory: URL) throws -> (requests: Int, records: Int) {
        let root = spoolHome(in: directory).appendingPathComponent("telltale/spool", isDirectory: true)
        let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        var counts = (requests: 0, records: 0)
        for file in files where file.hasSuffix(".ndjson.gz") {
            guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(file).path) else { continue }
            var compressed = ByteBuffer(bytes: data)
            let text = String(buffer: try compressed.decompress(with: .gzip()))
            for line in text.split(separator: "\n") {
                counts.records += 1
                if line.contains(#""kind":"request""#) { counts.requests += 1 }
            }
        }
        return counts
    }
}
