import Foundation

/// How a scan of a JSON value ended.
package enum JSONScanStatus: Sendable, Equatable {
    /// The value was read to its end.
    case complete
    /// The input ended inside the value (a truncated line).
    case eof
    /// The bytes are not JSON.
    case malformed
}

/// A key of a JSON object, as a byte range of the input.
package struct JSONKey {
    package var range: Range<Int>
    package var escaped: Bool
}

/// A forward-only, allocation-free reader over JSON bytes: the primitives of the message scanner.
///
/// It never traps on any input: every read is bounds-checked, containers are skipped iteratively
/// (no recursion, so no stack overflow on deep nesting), and every loop advances.
package struct JSONCursor {
    package let bytes: UnsafeRawBufferPointer
    package var index: Int
    package let end: Int

    package init(_ bytes: UnsafeRawBufferPointer, from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.index = start
        self.end = min(end ?? bytes.count, bytes.count)
    }

    @inline(__always)
    package var atEnd: Bool { index >= end }

    @inline(__always)
    package func peek() -> UInt8? { index < end ? bytes[index] : nil }

    @inline(__always)
    package mutating func skipWhitespace() {
        while index < end {
            let byte = bytes[index]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            index += 1
        }
    }

    /// Consumes `byte` (after whitespace) if it is next.
    @inline(__always)
    package mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        if index < end && bytes[index] == byte { index += 1; return true }
        return false
    }

    /// Reads a string starting at `"`; returns the range of its raw content (without quotes).
    package mutating func scanString() -> (range: Range<Int>, escaped: Bool, status: JSONScanStatus) {
        guard index < end, bytes[index] == 0x22, let base = bytes.baseAddress else {
            return (index..<index, false, .malformed)
        }
        let start = index + 1
        var position = start
        while position < end {
            guard let hit = memchr(base + position, 0x22, end - position) else { break }
            let quote = base.distance(to: UnsafeRawPointer(hit))
            var backslashes = 0
            while quote - backslashes - 1 >= start && bytes[quote - backslashes - 1] == 0x5C { backslashes += 1 }
            if backslashes % 2 == 0 {
                let escaped = memchr(base + start, 0x5C, quote - start) != nil
                index = quote + 1
                return (start..<quote, escaped, .complete)
            }
            position = quote + 1
        }
        index = end
        let escaped = end > start && memchr(base + start, 0x5C, end - start) != nil
        return (start..<end, escaped, .eof)
    }

    /// Skips one value of any type (containers without validating their inside).
    package mutating func skipValue() -> JSONScanStatus {
        skipWhitespace()
        guard index < end else { return .eof }
        switch bytes[index] {
        case 0x22:
            return scanString().status
        case 0x7B, 0x5B:
            var depth = 0
            while index < end {
                let byte = bytes[index]
                switch byte {
                case 0x22:
                    if scanString().status != .complete { return .eof }
                    continue
                case 0x7B, 0x5B:
                    depth += 1
                case 0x7D, 0x5D:
                    depth -= 1
                    if depth == 0 { index += 1; return .complete }
                default:
                    break
                }
                index += 1
            }
            return .eof
        case 0x74: return literal("true")
        case 0x66: return literal("false")
        case 0x6E: return literal("null")
        case 0x2D, 0x30...0x39: return scanNumber().status
        default: return .malformed
        }
    }

    private mutating func literal(_ text: StaticString) -> JSONScanStatus {
        let count = text.utf8CodeUnitCount
        let available = min(count, end - index)
        for offset in 0..<available where bytes[index + offset] != text.utf8Start[offset] { return .malformed }
        index += available
        return available == count ? .complete : .eof
    }

    /// Reads a number; returns the range of its text.
    package mutating func scanNumber() -> (range: Range<Int>, status: JSONScanStatus) {
        let start = index
        while index < end {
            switch bytes[index] {
            case 0x30...0x39, 0x2D, 0x2B, 0x2E, 0x45, 0x65: index += 1
            default:
                return (start..<index, index > start ? .complete : .malformed)
            }
        }
        return (start..<index, .eof)
    }

    /// Iterates the members of the object at the cursor (`{` next, after whitespace).
    ///
    /// `body` gets each key with the cursor at the start of its value; it returns whether it
    /// consumed the value (if not, the value is skipped). Returns how the object ended.
    package mutating func forEachMember(_ body: (JSONKey, inout JSONCursor) -> Bool) -> JSONScanStatus {
        guard consume(0x7B) else { return atEnd ? .eof : .malformed }
        if consume(0x7D) { return .complete }
        while true {
            skipWhitespace()
            guard index < end else { return .eof }
            guard bytes[index] == 0x22 else { return .malformed }
            let key = scanString()
            guard key.status == .complete else { return key.status }
            guard consume(0x3A) else { return atEnd ? .eof : .malformed }
            skipWhitespace()
            guard index < end else { return .eof }
            let before = index
            if !body(JSONKey(range: key.range, escaped: key.escaped), &self) || index == before {
                index = before
                let status = skipValue()
                guard status == .complete else { return status }
            }
            if consume(0x2C) { continue }
            if consume(0x7D) { return .complete }
            return atEnd ? .eof : .malformed
        }
    }

    /// Iterates the elements of the array at the cursor (`[` next); `body` as in ``forEachMember(_:)``.
    package mutating func forEachElement(_ body: (inout JSONCursor) -> Bool) -> JSONScanStatus {
        guard consume(0x5B) else { return atEnd ? .eof : .malformed }
        if consume(0x5D) { return .complete }
        while true {
            skipWhitespace()
            guard index < end else { return .eof }
            let before = index
            if !body(&self) || index == before {
                index = before
                let status = skipValue()
                guard status == .complete else { return status }
            }
            if consume(0x2C) { continue }
            if consume(0x5D) { return .complete }
            return atEnd ? .eof : .malformed
        }
    }

    /// Whether the key equals `name` (exact, case-sensitive).
    package func key(_ key: JSONKey, is name: StaticString) -> Bool {
        if key.escaped { return decodeString(key.range) == name.description }
        let count = name.utf8CodeUnitCount
        guard key.range.count == count, let base = bytes.baseAddress else { return false }
        return memcmp(base + key.range.lowerBound, name.utf8Start, count) == 0
    }

    /// Reads a string value at the cursor and decodes it; nil (value skipped) if it is not a string.
    package mutating func readString() -> String? {
        skipWhitespace()
        guard peek() == 0x22 else { return nil }
        let scanned = scanString()
        guard scanned.status != .malformed else { return nil }
        return scanned.escaped ? decodeString(scanned.range) : rawString(scanned.range)
    }

    /// Reads a boolean value at the cursor; nil if it is not one.
    package mutating func readBool() -> Bool? {
        skipWhitespace()
        switch peek() {
        case 0x74: return skipValue() == .complete ? true : nil
        case 0x66: return skipValue() == .complete ? false : nil
        default: return nil
        }
    }

    /// Reads an integer value at the cursor; nil if it is not an integer in range.
    package mutating func readInt() -> Int? {
        skipWhitespace()
        guard let first = peek(), first == 0x2D || (0x30...0x39).contains(first) else { return nil }
        let number = scanNumber()
        guard number.status == .complete else { return nil }
        return Int(rawString(number.range))
    }

    /// Reads any value and returns its JSON text (used for ids); nil if not a scalar.
    package mutating func readScalarText() -> String? {
        skipWhitespace()
        guard let first = peek() else { return nil }
        let start = index
        switch first {
        case 0x22:
            guard scanString().status == .complete else { return nil }
        case 0x2D, 0x30...0x39:
            guard scanNumber().status == .complete else { return nil }
        default:
            return nil
        }
        return rawString(start..<index)
    }

    package func rawString(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Decodes the JSON escapes of the string content in `range`; invalid UTF-8 is repaired.
    package func decodeString(_ range: Range<Int>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var position = range.lowerBound
        let upper = min(range.upperBound, end)
        while position < upper {
            let byte = bytes[position]
            guard byte == 0x5C else { out.append(byte); position += 1; continue }
            guard position + 1 < upper else { break }
            let escape = bytes[position + 1]
            position += 2
            switch escape {
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                guard var scalar = hex4(at: position, upper: upper) else { position = upper; break }
                position += 4
                if (0xD800...0xDBFF).contains(scalar), position + 6 <= upper, bytes[position] == 0x5C,
                   bytes[position + 1] == 0x75, let low = hex4(at: position + 2, upper: upper),
                   (0xDC00...0xDFFF).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    position += 6
                }
                let unicode = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: String(Character(unicode)).utf8)
            default: out.append(escape)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func hex4(at position: Int, upper: Int) -> UInt32? {
        guard position + 4 <= upper else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = bytes[position + offset]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}
