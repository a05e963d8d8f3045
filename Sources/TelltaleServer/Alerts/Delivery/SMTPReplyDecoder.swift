import NIOCore

/// Splits the server's byte stream into `SMTPReply` values, joining the lines of multiline replies
/// (`250-first`, `250-second`, `250 last`).
package struct SMTPReplyDecoder: ByteToMessageDecoder {
    package typealias InboundOut = SMTPReply

    /// The longest line accepted (RFC 5321 allows 512 octets for replies; servers send more for EHLO).
    static let maximumLineLength = 8192

    private var pendingCode: Int?
    private var pendingLines: [String] = []

    package init() {}

    package mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let complete = try nextLine(from: &buffer) else { return .needMoreData }
        if let reply = complete { context.fireChannelRead(wrapInboundOut(reply)) }
        return .continue
    }

    /// Reads the next complete reply from `buffer`, leaving a partial line (or partial multiline reply) pending;
    /// nil when no reply is complete yet.
    package mutating func nextReply(from buffer: inout ByteBuffer) throws -> SMTPReply? {
        while let complete = try nextLine(from: &buffer) {
            if let reply = complete { return reply }
        }
        return nil
    }

    /// True while a multiline reply has started but not ended.
    package var isInsideReply: Bool { pendingCode != nil }

    /// Consumes one line: nil when no full line is buffered, `.some(nil)` when it continued a multiline reply,
    /// `.some(reply)` when it ended one.
    private mutating func nextLine(from buffer: inout ByteBuffer) throws -> SMTPReply?? {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maximumLineLength { throw SMTPError(message: "SMTP server sent a line longer than \(Self.maximumLineLength) bytes") }
            return nil
        }
        let length = newline - buffer.readerIndex
        var line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        return .some(try consume(line))
    }

    package mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    /// Adds one line; returns the reply when it was the last line of one.
    mutating func consume(_ line: String) throws -> SMTPReply? {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0..<3].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)) else {
            throw SMTPError(message: "SMTP server sent a malformed reply line: \(line.prefix(80))")
        }
        let separator = bytes.count > 3 ? bytes[3] : UInt8(ascii: " ")
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw SMTPError(message: "SMTP server sent a malformed reply line: \(line.prefix(80))")
        }
        if let pendingCode, pendingCode != code {
            throw SMTPError(message: "SMTP server changed the reply code within a multiline reply (\(pendingCode), then \(code))")
        }
        let text = bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : ""
        pendingLines.append(text)
        if separator == UInt8(ascii: "-") {
            pendingCode = code
            return nil
        }
        let reply = SMTPReply(code: code, lines: pendingLines)
        pendingCode = nil
        pendingLines = []
        return reply
    }
}
