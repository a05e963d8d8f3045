/// Why bytes could not be parsed as a ``JSONValue``.
public struct JSONParseError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Byte offset where parsing failed.
    public var offset: Int
    public var reason: String

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

extension JSONValue {
    /// Nesting deeper than this is rejected (keeps the recursive parser's stack bounded).
    public static let maxParseDepth = 256

    /// Parses one complete JSON value (surrounding whitespace allowed).
    ///
    /// With a `redactor`, values under sensitive keys are never materialized: they are skipped
    /// and replaced by ``Redactor/marker`` while parsing.
    public init(parsing bytes: UnsafeRawBufferPointer, redactingWith redactor: Redactor? = nil) throws(JSONParseError) {
        var parser = JSONValueParser(cursor: JSONCursor(bytes), partial: false, redactor: redactor)
        guard let value = parser.parseValue(depth: 0), !parser.truncated else {
            throw JSONParseError(offset: parser.failureOffset ?? parser.cursor.index,
                                 reason: parser.failure ?? "unexpected end of input")
        }
        parser.cursor.skipWhitespace()
        guard parser.cursor.atEnd else {
            throw JSONParseError(offset: parser.cursor.index, reason: "unexpected bytes after the value")
        }
        self = value
    }

    /// Parses one complete JSON value from an array of bytes.
    public init(parsing bytes: [UInt8]) throws(JSONParseError) {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBytes { raw in
            do throws(JSONParseError) { return .success(try JSONValue(parsing: raw)) } catch { return .failure(error) }
        }
        self = try result.get()
    }

    /// Parses the head of a JSON text that may be cut anywhere: open containers are closed,
    /// a cut string keeps its head, a member whose key is cut is dropped. Nil if nothing usable.
    public static func parsePrefix(_ bytes: UnsafeRawBufferPointer, redactingWith redactor: Redactor? = nil) -> JSONValue? {
        var parser = JSONValueParser(cursor: JSONCursor(bytes), partial: true, redactor: redactor)
        return parser.parseValue(depth: 0)
    }
}

/// Recursive-descent JSON parser over a ``JSONCursor`` (depth-bounded).
struct JSONValueParser {
    var cursor: JSONCursor
    let partial: Bool
    let redactor: Redactor?
    /// Set when the input ended inside the value.
    var truncated = false
    var failure: String?
    var failureOffset: Int?

    init(cursor: JSONCursor, partial: Bool, redactor: Redactor? = nil) {
        self.cursor = cursor
        self.partial = partial
        self.redactor = redactor
    }

    private mutating func fail(_ reason: String) -> JSONValue? {
        if failure == nil { failure = reason; failureOffset = cursor.index }
        return nil
    }

    /// Parses a value; nil on malformed input (or at end of input with nothing usable).
    mutating func parseValue(depth: Int) -> JSONValue? {
        guard depth < JSONValue.maxParseDepth else { return fail("nesting deeper than \(JSONValue.maxParseDepth)") }
        cursor.skipWhitespace()
        guard let first = cursor.peek() else { truncated = true; return nil }
        switch first {
        case 0x7B: return parseObject(depth: depth)
        case 0x5B: return parseArray(depth: depth)
        case 0x22:
            let scanned = cursor.scanString()
            if scanned.status == .eof {
                truncated = true
                return partial ? .string(cursor.decodeString(scanned.range)) : nil
            }
            return .string(scanned.escaped ? cursor.decodeString(scanned.range) : cursor.rawString(scanned.range))
        case 0x74, 0x66, 0x6E:
            let start = cursor.index
            let status = cursor.skipValue()
            guard status == .complete else {
                if status == .eof { truncated = true; return nil }
                return fail("invalid literal")
            }
            switch cursor.bytes[start] {
            case 0x74: return .bool(true)
            case 0x66: return .bool(false)
            default: return .null
            }
        case 0x2D, 0x30...0x39:
            let number = cursor.scanNumber()
            if number.status == .eof && (partial || depth > 0) { truncated = true }
            guard let value = Double(cursor.rawString(number.range)) else {
                return number.status == .eof ? nil : fail("invalid number")
            }
            return .number(value)
        default:
            return fail("unexpected byte \(first)")
        }
    }

    private mutating func parseObject(depth: Int) -> JSONValue? {
        cursor.index += 1
        var members: [String: JSONValue] = [:]
        cursor.skipWhitespace()
        if cursor.peek() == 0x7D { cursor.index += 1; return .object(members) }
        while true {
            cursor.skipWhitespace()
            guard let byte = cursor.peek() else { truncated = true; return partial ? .object(members) : nil }
            guard byte == 0x22 else { return fail("expected a key") }
            let key = cursor.scanString()
            guard key.status == .complete else { truncated = true; return partial ? .object(members) : nil }
            let name = key.escaped ? cursor.decodeString(key.range) : cursor.rawString(key.range)
            guard cursor.consume(0x3A) else {
                if cursor.atEnd { truncated = true; return partial ? .object(members) : nil }
                return fail("expected ':'")
            }
            if let redactor, redactor.isSensitive(key: name) {
                cursor.skipWhitespace()
                switch cursor.skipValue() {
                case .complete:
                    members[name] = .string(Redactor.marker)
                case .eof:
                    truncated = true
                    if partial { members[name] = .string(Redactor.marker) }
                    return partial ? .object(members) : nil
                case .malformed:
                    return fail("invalid value")
                }
                if cursor.consume(0x2C) { continue }
                if cursor.consume(0x7D) { return .object(members) }
                if cursor.atEnd { truncated = true; return partial ? .object(members) : nil }
                return fail("expected ',' or '}'")
            }
            guard let value = parseValue(depth: depth + 1) else {
                return truncated && failure == nil && partial ? .object(members) : nil
            }
            members[name] = value
            if truncated { return partial ? .object(members) : nil }
            if cursor.consume(0x2C) { continue }
            if cursor.consume(0x7D) { return .object(members) }
            if cursor.atEnd { truncated = true; return partial ? .object(members) : nil }
            return fail("expected ',' or '}'")
        }
    }

    private mutating func parseArray(depth: Int) -> JSONValue? {
        cursor.index += 1
        var elements: [JSONValue] = []
        cursor.skipWhitespace()
        if cursor.peek() == 0x5D { cursor.index += 1; return .array(elements) }
        while true {
            guard let value = parseValue(depth: depth + 1) else {
                return truncated && failure == nil && partial ? .array(elements) : nil
            }
            elements.append(value)
            if truncated { return partial ? .array(elements) : nil }
            if cursor.consume(0x2C) { continue }
            if cursor.consume(0x5D) { return .array(elements) }
            if cursor.atEnd { truncated = true; return partial ? .array(elements) : nil }
            return fail("expected ',' or ']'")
        }
    }
}
