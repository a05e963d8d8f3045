/// Byte-level helpers for HTTP/1.x heads (ASCII, case-insensitive where HTTP says so).
enum HTTPProxyBytes {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let lineFeed = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == HTTPProxyBytes.space || byte == HTTPProxyBytes.tab }

    static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// `range` of `bytes` equals `literal` exactly.
    static func equals(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<range.count where bytes[range.lowerBound + offset] != pointer[offset] { return false }
        return true
    }

    /// `range` equals the lower-case `literal`, ignoring ASCII case.
    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<range.count where lower(bytes[range.lowerBound + offset]) != pointer[offset] { return false }
        return true
    }

    /// Two ranges of `bytes` are equal ignoring ASCII case.
    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lhs: Range<Int>, _ rhs: Range<Int>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for offset in 0..<lhs.count
        where lower(bytes[lhs.lowerBound + offset]) != lower(bytes[rhs.lowerBound + offset]) { return false }
        return true
    }

    /// Fields that never leave the hop they arrived on (RFC 9110 §7.6.1; Connection is handled apart).
    static func isHopByHopName(_ bytes: UnsafeRawBufferPointer, _ name: Range<Int>) -> Bool {
        switch name.count {
        case 2: equalsIgnoringCase(bytes, name, "te")
        case 7: equalsIgnoringCase(bytes, name, "upgrade") || equalsIgnoringCase(bytes, name, "trailer")
        case 10: equalsIgnoringCase(bytes, name, "keep-alive")
        case 16: equalsIgnoringCase(bytes, name, "proxy-connection")
        default: false
        }
    }

    /// `range` without leading and trailing spaces and tabs.
    static func trimmed(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isWhitespace(bytes[lower]) { lower += 1 }
        while upper > lower, isWhitespace(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// The non-empty comma-separated elements of a list value, trimmed.
    static func tokens(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = range.lowerBound
        for index in range.lowerBound...range.upperBound where index == range.upperBound || bytes[index] == UInt8(ascii: ",") {
            let token = trimmed(bytes, start..<index)
            if !token.isEmpty { result.append(token) }
            start = index + 1
        }
        return result
    }

    /// Whether the last transfer coding of a Transfer-Encoding value is `chunked`.
    static func lastTokenIsChunked(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        guard let last = tokens(bytes, range).last else { return false }
        return equalsIgnoringCase(bytes, last, "chunked")
    }

    /// A non-negative decimal number (at most 18 digits), or nil.
    static func decimal(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        guard !range.isEmpty, range.count <= 18 else { return nil }
        var value = 0
        for index in range {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
