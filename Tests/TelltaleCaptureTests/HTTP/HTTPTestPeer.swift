import Foundation
import NIOCore
import NIOPosix

/// One end of a real TCP connection in a test, with a byte-exact reader.
///
/// Used from one task at a time (not Sendable).
final class HTTPTestPeer {
    let channel: any Channel
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// The sending side, for writing from another task while this one reads.
    var writer: NIOAsyncChannelOutboundWriter<ByteBuffer> { outbound }
    /// Bytes read and not consumed yet.
    private(set) var pending: [UInt8] = []
    /// Every byte read so far, in order.
    private(set) var received: [UInt8] = []
    private(set) var sawEOF = false

    init(
        channel: any Channel, inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.channel = channel
        self.iterator = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// The local `ip:port` of this end.
    var localAddress: String {
        "\(channel.localAddress!.ipAddress!):\(channel.localAddress!.port!)"
    }

    func write(_ text: String) async throws {
        try await write(Array(text.utf8))
    }

    func write(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Reads once more from the socket; false at EOF. Throws the socket error (e.g. a reset).
    @discardableResult
    func fill() async throws -> Bool {
        guard !sawEOF else { return false }
        guard let buffer = try await iterator.next() else {
            sawEOF = true
            return false
        }
        let bytes = Array(buffer.readableBytesView)
        pending += bytes
        received += bytes
        return true
    }

    /// Consumes and returns bytes up to and including `delimiter`.
    func read(until delimiter: String) async throws -> [UInt8] {
        let needle = Array(delimiter.utf8)
        var searchFrom = 0
        while true {
            if pending.count >= needle.count {
                for start in searchFrom...(pending.count - needle.count) where pending[start..<(start + needle.count)].elementsEqual(needle) {
                    let result = Array(pending[..<(start + needle.count)])
                    pending.removeFirst(start + needle.count)
                    return result
                }
                searchFrom = pending.count - needle.count + 1
            }
            guard try await fill() else { throw HTTPTestError("EOF before \(delimiter.debugDescription)") }
        }
    }

    /// Consumes exactly `count` bytes.
    func read(count: Int) async throws -> [UInt8] {
        while pending.count < count {
            guard try await fill() else { throw HTTPTestError("EOF after \(pending.count) of \(count) bytes") }
        }
        let result = Array(pending[..<count])
        pending.removeFirst(count)
        return result
    }

    /// Consumes everything until EOF.
    func readToEnd() async throws -> [UInt8] {
        while try await fill() {}
        defer { pending = [] }
        return pending
    }

    /// Reads one HTTP message (request or response); `bodyless` for responses to HEAD.
    func readMessage(isResponse: Bool, bodyless: Bool = false) async throws -> HTTPTestMessage {
        var raw = try await read(until: "\r\n\r\n")
        var message = HTTPTestMessage(head: raw)
        if bodyless || message.status.map({ $0 / 100 == 1 || $0 == 204 || $0 == 304 }) == true {
            return message
        }
        if message.header("Transfer-Encoding")?.lowercased().hasSuffix("chunked") == true {
            while true {
                let sizeLine = try await read(until: "\r\n")
                raw += sizeLine
                let hex = String(decoding: sizeLine.dropLast(2), as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(hex.trimmingCharacters(in: .whitespaces), radix: 16) else {
                    throw HTTPTestError("bad chunk size \(hex)")
                }
                if size == 0 {
                    raw += try await read(until: "\r\n")
                    break
                }
                let data = try await read(count: size + 2)
                raw += data
                message.body += data.dropLast(2)
                message.chunks.append(Array(data.dropLast(2)))
            }
        } else if let length = message.header("Content-Length").flatMap({ Int($0) }) {
            let data = try await read(count: length)
            raw += data
            message.body = data
        } else if isResponse {
            let data = try await readToEnd()
            raw += data
            message.body = data
        }
        message.raw = raw
        return message
    }

    /// Closes with a TCP RST.
    func reset() async {
        try? await (channel as? any SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        try? await channel.close()
    }

    func close() async {
        try? await channel.close()
    }
}

/// One HTTP/1.1 message as read from the wire by a test.
struct HTTPTestMessage {
    /// The exact bytes of the whole message.
    var raw: [UInt8]
    var startLine: String
    var headers: [(name: String, value: String)]
    var body: [UInt8] = []
    var chunks: [[UInt8]] = []

    init(head: [UInt8]) {
        raw = head
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        startLine = lines.first ?? ""
        headers = lines.dropFirst().map { line in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
    }

    /// Status code of a response.
    var status: Int? {
        let parts = startLine.split(separator: " ", maxSplits: 2)
        return parts.count >= 2 && startLine.hasPrefix("HTTP/") ? Int(parts[1]) : nil
    }

    /// Request target of a request.
    var target: String {
        String(startLine.split(separator: " ")[1])
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

struct HTTPTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

