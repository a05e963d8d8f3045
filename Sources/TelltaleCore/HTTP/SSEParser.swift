/// An incremental `text/event-stream` parser following the WHATWG EventSource rules.
///
/// Chunks may split the stream anywhere (inside a field, between `\r` and `\n`, inside the
/// byte order mark). Lines end in CRLF, LF or CR; a leading U+FEFF is skipped; lines starting
/// with `:` are comments; `data:` lines are joined with `\n`; `event:` sets the type (default
/// `message`); `id:` sets the last event id, which persists across events (a value containing
/// NUL is ignored); a single space after the colon is stripped; a blank line dispatches the
/// event, unless it had no `data` field. An unterminated event at end of stream is discarded.
///
/// Memory is bounded: at most ``maxEventBytes`` of an event's data are kept; the rest is counted
/// (``SSEEvent/dataByteCount``), the event is dispatched with its head and counted in
/// ``oversizedEvents``. `event` and `id` values are kept up to ``maxFieldBytes``.
public struct SSEParser: Sendable {
    /// Bytes kept of an `event:` or `id:` value.
    public static let maxFieldBytes = 1024

    private enum Phase: Sendable { case name, value, comment }
    private enum Field: Sendable { case data, event, id, other }

    /// Bytes of one event's data kept at most.
    public let maxEventBytes: Int
    /// Events whose data was over ``maxEventBytes`` (dispatched truncated).
    public private(set) var oversizedEvents = 0
    /// The last event id buffer (`id:`), as the stream set it.
    public private(set) var lastEventID = ""

    private var phase = Phase.name
    private var field = Field.other
    private var name: [UInt8] = []
    private var nameTooLong = false
    private var skipSpace = false
    private var value: [UInt8] = []
    private var data: [UInt8] = []
    private var dataCount = 0
    private var hasData = false
    private var eventType: [UInt8] = []
    private var afterCR = false
    private var bomMatched = 0
    private var bomDone = false

    /// A parser keeping at most `maxEventBytes` of one event's data.
    public init(maxEventBytes: Int = LineFramer.defaultMaxLineBytes) {
        self.maxEventBytes = max(1, maxEventBytes)
    }

    /// Feeds a chunk; calls `onEvent` for every event it completes, in order.
    public mutating func consume(_ chunk: UnsafeRawBufferPointer, _ onEvent: (SSEEvent) -> Void) {
        var start = 0
        if !bomDone {
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            while !bomDone && start < chunk.count {
                if chunk[start] == bom[bomMatched] {
                    bomMatched += 1
                    start += 1
                    if bomMatched == bom.count { bomDone = true }
                } else {
                    bomDone = true
                    // A partial match was ordinary content after all.
                    let replay = Array(bom[0..<bomMatched])
                    replay.withUnsafeBytes { process($0, from: 0, onEvent) }
                }
            }
        }
        process(chunk, from: start, onEvent)
    }

    /// Feeds a chunk and returns the events it completes.
    public mutating func events(in chunk: UnsafeRawBufferPointer) -> [SSEEvent] {
        var out: [SSEEvent] = []
        consume(chunk) { out.append($0) }
        return out
    }

    /// Feeds bytes held in an array and returns the events they complete.
    public mutating func events(in chunk: [UInt8]) -> [SSEEvent] {
        chunk.withUnsafeBytes { events(in: $0) }
    }

    private mutating func process(_ chunk: UnsafeRawBufferPointer, from start: Int, _ onEvent: (SSEEvent) -> Void) {
        var index = start
        let count = chunk.count
        while index < count {
            let byte = chunk[index]
            if afterCR {
                afterCR = false
                if byte == 0x0A { index += 1; continue }
            }
            switch phase {
            case .name:
                index += 1
                if byte == 0x0A || byte == 0x0D {
                    afterCR = byte == 0x0D
                    endLine(onEvent)
                } else if byte == 0x3A {
                    if name.isEmpty && !nameTooLong {
                        phase = .comment
                    } else {
                        beginValue()
                    }
                } else if name.count < 8 {
                    name.append(byte)
                } else {
                    nameTooLong = true
                }
            case .value, .comment:
                if skipSpace {
                    skipSpace = false
                    if byte == 0x20 { index += 1; continue }
                }
                var end = index
                while end < count, chunk[end] != 0x0A, chunk[end] != 0x0D { end += 1 }
                if phase == .value && end > index { appendValue(UnsafeRawBufferPointer(rebasing: chunk[index..<end])) }
                index = end
                if end < count {
                    afterCR = chunk[end] == 0x0D
                    index += 1
                    endLine(onEvent)
                }
            }
        }
    }

    private func fieldNamed(_ bytes: [UInt8], tooLong: Bool) -> Field {
        guard !tooLong else { return .other }
        if bytes.elementsEqual("data".utf8) { return .data }
        if bytes.elementsEqual("event".utf8) { return .event }
        if bytes.elementsEqual("id".utf8) { return .id }
        return .other
    }

    /// The colon after a field name: the value starts (a single leading space is skipped).
    private mutating func beginValue() {
        field = fieldNamed(name, tooLong: nameTooLong)
        phase = .value
        skipSpace = true
        value.removeAll(keepingCapacity: true)
        if field == .data { beginDataLine() }
    }

    private mutating func beginDataLine() {
        if hasData { appendData([0x0A]) }
        hasData = true
    }

    private mutating func appendValue(_ bytes: UnsafeRawBufferPointer) {
        switch field {
        case .data:
            appendData(bytes)
        case .event, .id:
            let room = SSEParser.maxFieldBytes - value.count
            if room > 0 { value.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<min(room, bytes.count)])) }
        case .other:
            break
        }
    }

    private mutating func appendData(_ bytes: UnsafeRawBufferPointer) {
        dataCount &+= bytes.count
        let room = maxEventBytes - data.count
        if room > 0 { data.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<min(room, bytes.count)])) }
    }

    private mutating func appendData(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { appendData($0) }
    }

    private mutating func endLine(_ onEvent: (SSEEvent) -> Void) {
        switch phase {
        case .name:
            if name.isEmpty && !nameTooLong {
                dispatch(onEvent)
            } else {
                // A line without a colon: the whole line is the field name, the value is empty.
                field = fieldNamed(name, tooLong: nameTooLong)
                value.removeAll(keepingCapacity: true)
                if field == .data { beginDataLine() }
                applyField()
            }
        case .value:
            applyField()
        case .comment:
            break
        }
        phase = .name
        name.removeAll(keepingCapacity: true)
        nameTooLong = false
        skipSpace = false
    }

    private mutating func applyField() {
        switch field {
        case .event:
            eventType = value
        case .id:
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        case .data, .other:
            break
        }
    }

    private mutating func dispatch(_ onEvent: (SSEEvent) -> Void) {
        defer {
            data = []
            dataCount = 0
            hasData = false
            eventType.removeAll(keepingCapacity: true)
        }
        guard hasData else { return }
        if dataCount > data.count { oversizedEvents += 1 }
        let type = eventType.isEmpty ? "message" : String(decoding: eventType, as: UTF8.self)
        onEvent(SSEEvent(type: type, data: data, dataByteCount: dataCount, id: lastEventID))
    }
}
