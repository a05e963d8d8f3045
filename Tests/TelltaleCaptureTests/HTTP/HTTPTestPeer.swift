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
    private var pending = ByteBuffer()
    /// Every byte read so far (except skipped ones), in order.
    private var receivedBuffer = ByteBuffer()
    private(set) var sawEOF = false

    init(
        channel: any Channel, inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.channel = channel
        self.iterator = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// Every byte read so far (except skipped ones), in order.
    var received: [UInt8] { Array(receivedBuffer.readableBytesView) }

    /// The local `ip:port` of this end.
    var localAddress: String {
        "\(channel.localAddress!.ipAddress!):\(channel.localAddress!.port!)"
    }

    func write(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    func write(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Reads once more from the socket; false at EOF. Throws the socket error (e.g. a reset).
    @discardableResult
    func fill() async throws -> Bool {
        guard !sawEOF else { return false }
        guard var buffer = try await iterator.next() else {
            sawEOF = true
            return false
        }
        receivedBuffer.writeImmutableBuffer(buffer)
        pending.writeBuffer(&buffer)
        return true
    }

    /// Consumes and returns bytes up to and including `delimiter`.
    func read(until delimiter: String) async throws -> [UInt8] {
        let needle = Array(delimiter.utf8)
        var searchFrom = 0
        while true {
            let found = pending.withUnsafeReadableBytes { bytes -> Int? in
                guard bytes.count >= needle.count else { return nil }
                var start = searchFrom
                while start <= bytes.count - needle.count {
                    var equal = true
                    for offset in 0..<needle.count where bytes[start + offset] != needle[offset] {
                        equal = false
                        break
                    }
                    if equal { return start }
                    start += 1
                }
                searchFrom = bytes.count - needle.count + 1
                return nil
            }
            if let found {
                return Array(pending.readSlice(length: found + needle.count)!.readableBytesView)
            }
            guard try await fill() else { throw HTTPTestError("EOF before \(delimiter.debugDescription)") }
        }
    }

    /// Consumes exactly `count` bytes.
    func read(count: Int) async throws -> [UInt8] {
        Array(try await readBuffer(count: count).readableBytesView)
    }

    /// Consumes exactly `count` bytes, as a buffer.
    func readBuffer(count: Int) async throws -> ByteBuffer {
        while pending.readableBytes < count {
            guard try await fill() else { throw HTTPTestError("EOF after \(pending.readableBytes) of \(count) bytes") }
        }
        return pending.readSlice(length: count)!
    }

    /// Consumes `count` bytes without keeping them (not added to ``received``).
    func skip(count: Int) async throws {
        var remaining = count
        let fromPending = min(pending.readableBytes, remaining)
        pending.moveReaderIndex(forwardBy: fromPending)
        remaining -= fromPending
        while remaining > 0 {
            guard var buffer = try await iterator.next() else { throw HTTPTestError("EOF with \(remaining) bytes to skip") }
            if buffer.readableBytes > remaining {
                buffer.moveReaderIndex(forwardBy: remaining)
                pending.writeBuffer(&buffer)
                remaining = 0
            } else {
                remaining -= buffer.readableBytes
            }
        }
    }

    /// Consumes everything until EOF.
    func readToEnd() async throws -> [UInt8] {
        while try await fill() {}
        defer { pending.clear() }
        return Array(pending.readableBytesView)
    }

    /// Reads one HTTP message (request or response); `bodyless` for responses to HEAD.
    func readMessage(isResponse: Bool, bodyless: Bool = false) async throws -> HTTPTestMessage {
        var message = HTTPTestMessage(head: try await read(until: "\r\n\r\n"))
        if bodyless || message.status.map({ $0 / 100 == 1 || $0 == 204 || $0 == 304 }) == true {
            return message
        }
        if message.header("Transfer-Encoding")?.lowercased().hasSuffix("chunked") == true {
            while true {
                let sizeLine = try await read(until: "\r\n")
                message.rawBuffer.writeBytes(sizeLine)
                let hex = String(decoding: sizeLine.dropLast(2), as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(hex.trimmingCharacters(in: .whitespaces), radix: 16) else {
                    throw HTTPTestError("bad chunk size \(hex)")
                }
                if size == 0 {
                    // trailer fields, then the empty line
                    while true {
                        let line = try await read(until: "\r\n")
                        message.rawBuffer.writeBytes(line)
                        if line.count == 2 { break }
                    }
                    break
                }
                let data = try await readBuffer(count: size)
                message.rawBuffer.writeImmutableBuffer(data)
                message.bodyBuffer.writeImmutableBuffer(data)
                message.chunks.append(Array(data.readableBytesView))
                message.rawBuffer.writeBytes(try await read(count: 2))
            }
        } else if let length = message.header("Content-Length").flatMap({ Int($0) }) {
            let data = try await readBuffer(count: length)
            message.rawBuffer.writeImmutableBuffer(data)
            message.bodyBuffer.writeImmutableBuffer(data)
        } else if isResponse {
            let data = try await readToEnd()
            message.rawBuffer.writeBytes(data)
            message.bodyBuffer.writeBytes(data)
        }
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
    var rawBuffer: ByteBuffer
    /// The body (de-chunked).
    var bodyBuffer = ByteBuffer()
    var startLine: String
    var headers: [(name: String, value: String)]
    var chunks: [[UInt8]] = []

    init(head: [UInt8]) {
        rawBuffer = ByteBuffer(bytes: head)
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        startLine = lines.first ?? ""
        headers = lines.dropFirst().map { line in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
    }

    var raw: [UInt8] { Array(rawBuffer.readableBytesView) }
    var body: [UInt8] { Array(bodyBuffer.readableBytesView) }

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

