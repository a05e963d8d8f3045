import NIOCore

/// Cuts a byte stream of HTTP/1.x messages into heads, body bytes and framing bytes, without copying
/// and without changing anything: the concatenation of the bytes of all events is the input.
///
/// Body bytes (``Event/data(_:)``) are the payload (de-chunked); ``Event/framing(_:)`` are chunk
/// sizes, chunk ends and trailers, which are forwarded but not observed.
struct HTTPProxyFramer {
    /// One step of the message stream.
    enum Event {
        case head(HTTPProxyMessageHead)
        case data(ByteBuffer)
        case framing(ByteBuffer)
        case end
    }

    private enum State: Equatable {
        case head
        case fixed(Int)
        case chunkSize
        case chunkData(Int)
        case chunkDataEnd
        case trailer
        case untilClose
        case end
    }

    /// Longest head (and chunk-size or trailer line) accepted.
    static let maxHeadBytes = 64 * 1024

    let kind: HTTPProxyMessageHead.Kind
    /// The next response answers a HEAD request (no body whatever its fields say).
    var noBody = false
    private var state = State.head
    private var scanned = 0

    init(kind: HTTPProxyMessageHead.Kind) {
        self.kind = kind
    }

    /// Between messages (nothing of a message consumed yet).
    var isBetweenMessages: Bool { state == .head }

    /// The current body ends when the connection closes.
    var isReadingUntilClose: Bool { state == .untilClose }

    /// The next event from `buffer` (consuming its bytes), or nil when more bytes are needed.
    mutating func next(_ buffer: inout ByteBuffer) throws(HTTPProxyParseError) -> Event? {
        switch state {
        case .end:
            state = .head
            return .end
        case .head:
            return try nextHead(&buffer)
        case .fixed(let remaining):
            guard let slice = Self.take(&buffer, upTo: remaining) else { return nil }
            state = remaining == slice.readableBytes ? .end : .fixed(remaining - slice.readableBytes)
            return .data(slice)
        case .chunkSize:
            guard let line = try Self.line(&buffer) else { return nil }
            let size = try line.withUnsafeReadableBytes { (bytes) throws(HTTPProxyParseError) in try Self.chunkSize(bytes) }
            state = size == 0 ? .trailer : .chunkData(size)
            return .framing(line)
        case .chunkData(let remaining):
            guard let slice = Self.take(&buffer, upTo: remaining) else { return nil }
            state = remaining == slice.readableBytes ? .chunkDataEnd : .chunkData(remaining - slice.readableBytes)
            return .data(slice)
        case .chunkDataEnd:
            guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
            let length: Int
            if first == HTTPProxyBytes.lineFeed {
                length = 1
            } else {
                guard first == HTTPProxyBytes.carriageReturn else { throw .malformed("chunk end") }
                guard let second = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) else { return nil }
                guard second == HTTPProxyBytes.lineFeed else { throw .malformed("chunk end") }
                length = 2
            }
            state = .chunkSize
            return .framing(buffer.readSlice(length: length)!)
        case .trailer:
            guard let line = try Self.line(&buffer) else { return nil }
            if line.readableBytes <= 2, line.getInteger(at: 0, as: UInt8.self) != nil,
               line.readableBytesView.allSatisfy({ $0 == HTTPProxyBytes.carriageReturn || $0 == HTTPProxyBytes.lineFeed }) {
                state = .end
            }
            return .framing(line)
        case .untilClose:
            guard buffer.readableBytes > 0 else { return nil }
            return .data(buffer.readSlice(length: buffer.readableBytes)!)
        }
    }

    private mutating func nextHead(_ buffer: inout ByteBuffer) throws(HTTPProxyParseError) -> Event? {
        if kind == .request, scanned == 0 {
            // RFC 9112 §2.2: empty lines before a request line are ignored.
            while let byte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
                  byte == HTTPProxyBytes.carriageReturn || byte == HTTPProxyBytes.lineFeed {
                buffer.moveReaderIndex(forwardBy: 1)
            }
        }
        let end = buffer.withUnsafeReadableBytes { bytes -> Int? in
            var index = max(scanned, 1)
            while index < bytes.count {
                if bytes[index] == HTTPProxyBytes.lineFeed {
                    if bytes[index - 1] == HTTPProxyBytes.lineFeed { return index + 1 }
                    if index >= 2, bytes[index - 1] == HTTPProxyBytes.carriageReturn, bytes[index - 2] == HTTPProxyBytes.lineFeed { return index + 1 }
                }
                index += 1
            }
            return nil
        }
        guard let end else {
            scanned = buffer.readableBytes
            if scanned > Self.maxHeadBytes { throw .headTooLarge }
            return nil
        }
        scanned = 0
        let head = try HTTPProxyMessageHead(raw: buffer.readSlice(length: end)!, kind: kind, noBody: noBody)
        switch head.framing {
        case .none: state = .end
        case .length(let length): state = .fixed(length)
        case .chunked: state = .chunkSize
        case .untilClose: state = .untilClose
        }
        return .head(head)
    }

    /// Up to `count` bytes from the front of `buffer`, or nil if it is empty.
    private static func take(_ buffer: inout ByteBuffer, upTo count: Int) -> ByteBuffer? {
        let length = min(count, buffer.readableBytes)
        guard length > 0 else { return nil }
        return buffer.readSlice(length: length)
    }

    /// One line with its LF, or nil when it is not complete yet.
    private static func line(_ buffer: inout ByteBuffer) throws(HTTPProxyParseError) -> ByteBuffer? {
        guard let index = buffer.readableBytesView.firstIndex(of: HTTPProxyBytes.lineFeed) else {
            if buffer.readableBytes > maxHeadBytes { throw .headTooLarge }
            return nil
        }
        return buffer.readSlice(length: index - buffer.readerIndex + 1)
    }

    /// The hexadecimal size at the start of a chunk-size line (extensions are ignored).
    private static func chunkSize(_ bytes: UnsafeRawBufferPointer) throws(HTTPProxyParseError) -> Int {
        var size = 0
        var digits = 0
        for byte in bytes {
            let value: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(byte - UInt8(ascii: "A") + 10)
            default:
                guard digits > 0 else { throw .malformed("chunk size") }
                return size
            }
            digits += 1
            guard digits <= 15 else { throw .malformed("chunk size") }
            size = size * 16 + value
        }
        throw .malformed("chunk size")
    }
}
