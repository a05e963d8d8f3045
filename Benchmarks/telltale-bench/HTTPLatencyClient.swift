import TelltaleCapture
#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/1.1 keep-alive client on one loopback connection that times sequential
/// `POST /mcp` round trips (request written → last byte of the response read).
///
/// The request is prepared once; only its 9-digit JSON-RPC id is rewritten in place, so every request has
/// the same size. Each response is checked: status 200, a complete Content-Length or chunked body, the
/// request's id in it.
final class HTTPLatencyClient {
    let name: String
    private var fd: Int32
    private let port: Int
    /// Connections the server closed after a response (`Connection: close`), each replaced by a new one.
    private(set) var reconnections = 0
    private var request: [UInt8]
    private let idOffset: Int
    private static let idWidth = 9
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    /// Bytes `buffer[start..<filled]` are read but not consumed yet.
    private var start = 0
    private var filled = 0

    /// Connects to `127.0.0.1:port` and prepares a request of about `bodyBytes` bytes asking for an SSE
    /// reply when `sse`.
    init(name: String, port: Int, sse: Bool, bodyBytes: Int, session: String) throws {
        self.name = name
        self.port = port
        fd = try Self.connect(port: port, name: name)
        let body = Self.body(size: bodyBytes)
        let head = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUser-Agent: telltale-bench/1.0\r\n"
            + "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
            + "Mcp-Session-Id: \(session)\r\n\(MCPUpstreamServer.replyHeader): \(sse ? "sse" : "json")\r\n"
            + "Content-Length: \(body.bytes.utf8.count)\r\n\r\n"
        request = Array((head + body.bytes).utf8)
        idOffset = head.utf8.count + body.idOffset
    }

    deinit { close(fd) }

    /// A connected loopback socket (TCP_NODELAY, 10 s receive timeout).
    private static func connect(port: Int, name: String) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BenchmarkError("\(name): socket() failed") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            let code = errno
            close(fd)
            throw BenchmarkError("\(name): cannot connect to 127.0.0.1:\(port) (errno \(code))")
        }
        return fd
    }

    /// A `tools/call` body of about `size` bytes with a placeholder id, and where the id starts in it.
    static func body(size: Int) -> (bytes: String, idOffset: Int) {
        let head = #"{"jsonrpc":"2.0","id":"#
        let middle = #","method":"tools/call","params":{"name":"echo","arguments":{"text":""#
        let tail = #""}}}"#
        let fixed = head.utf8.count + idWidth + middle.utf8.count + tail.utf8.count
        let text = head + String(repeating: "1", count: idWidth) + middle
            + String(repeating: "a", count: max(0, size - fixed)) + tail
        return (text, head.utf8.count)
    }

    /// One timed round trip with JSON-RPC id `id` (100,000,000 + id mod 900,000,000, always 9 digits);
    /// returns nanoseconds.
    func roundTrip(id: Int) throws -> UInt64 {
        var value = 100_000_000 + id % 900_000_000
        let digits = idOffset
        for i in stride(from: Self.idWidth - 1, through: 0, by: -1) {
            request[digits + i] = UInt8(0x30 + value % 10)
            value /= 10
        }
        let began = LatencySamples.now()
        let written = request.withUnsafeBytes { FileDescriptorIO.writeAll(fd, $0.baseAddress!, count: $0.count) }
        guard written == 0 else { throw BenchmarkError("\(name): write failed (errno \(errno))") }
        let (bodyRange, closes) = try readResponse()
        let ended = LatencySamples.now()
        defer {
            if closes {  // after the check below has read the body
                close(fd)
                fd = (try? Self.connect(port: port, name: name)) ?? -1
                start = 0
                filled = 0
                reconnections += 1
            }
        }
        guard contains(request[digits..<(digits + Self.idWidth)], in: bodyRange) else {
            let text = String(decoding: buffer[bodyRange].prefix(300), as: UTF8.self)
            throw BenchmarkError("\(name): the response does not carry the request's id: \(text)")
        }
        return ended - began
    }

    /// Reads one whole response; returns where its body (chunk framing included) is in `buffer`.
    private func readResponse() throws -> (body: Range<Int>, closes: Bool) {
        if start > 0 {  // keep offsets small: what is left of the previous read moves to the front
            buffer.replaceSubrange(0..<(filled - start), with: buffer[start..<filled])
            filled -= start
            start = 0
        }
        let headEnd = try fill(until: { self.find([13, 10, 13, 10], from: self.start) })
        let head = String(decoding: buffer[start..<headEnd], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let status = lines.first, status.hasPrefix("HTTP/1.1 200") else {
            throw BenchmarkError("\(name): unexpected response: \(lines.first ?? "")")
        }
        var contentLength: Int?
        var chunked = false
        var closes = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let field = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces
            if field == "content-length" { contentLength = Int(value) }
            if field == "transfer-encoding", value.lowercased().contains("chunked") { chunked = true }
            if field == "connection", value.lowercased().contains("close") { closes = true }
        }
        let bodyStart = headEnd + 4
        let bodyEnd: Int
        if chunked {
            bodyEnd = try fill(until: { self.chunkedEnd(from: bodyStart) })
        } else if let contentLength {
            bodyEnd = try fill(until: { self.filled - bodyStart >= contentLength ? bodyStart + contentLength : nil })
        } else {
            throw BenchmarkError("\(name): a response without Content-Length or chunked framing")
        }
        start = bodyEnd
        return (bodyStart..<bodyEnd, closes)
    }

    /// Reads until `complete` finds its end in the buffer.
    private func fill(until complete: () -> Int?) throws -> Int {
        while true {
            if let end = complete() { return end }
            guard filled < buffer.count else { throw BenchmarkError("\(name): response larger than \(buffer.count) bytes") }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw BenchmarkError("\(name): connection closed or timed out mid-response (errno \(n < 0 ? errno : 0))")
            }
            filled += n
        }
    }

    /// The end of a complete chunked body starting at `from` (after `0\r\n\r\n`), or nil if incomplete.
    private func chunkedEnd(from: Int) -> Int? {
        var index = from
        while true {
            guard let lineEnd = find([13, 10], from: index) else { return nil }
            var size = 0
            for byte in buffer[index..<lineEnd] {
                guard let digit = Self.hexValue(byte) else { break }  // chunk extensions are ignored
                size = size * 16 + digit
            }
            if size == 0 {
                // No trailers in this benchmark: the body ends with an empty line.
                guard lineEnd + 4 <= filled else { return nil }
                return lineEnd + 4
            }
            index = lineEnd + 2 + size + 2
            guard index <= filled else { return nil }
        }
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x61...0x66: Int(byte - 0x61 + 10)
        case 0x41...0x46: Int(byte - 0x41 + 10)
        default: nil
        }
    }

    private func find(_ needle: [UInt8], from: Int) -> Int? {
        guard filled - from >= needle.count else { return nil }
        outer: for index in from...(filled - needle.count) {
            for offset in needle.indices where buffer[index + offset] != needle[offset] { continue outer }
            return index
        }
        return nil
    }

    private func contains(_ needle: ArraySlice<UInt8>, in range: Range<Int>) -> Bool {
        let pattern = Array(needle)
        guard range.count >= pattern.count else { return false }
        outer: for index in range.lowerBound...(range.upperBound - pattern.count) {
            for offset in pattern.indices where buffer[index + offset] != pattern[offset] { continue outer }
            return true
        }
        return false
    }
}

private extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
