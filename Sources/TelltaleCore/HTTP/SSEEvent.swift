/// One dispatched Server-Sent Event.
public struct SSEEvent: Sendable, Equatable {
    /// The `event:` field, or `message` when the event had none.
    public var type: String
    /// The `data:` lines joined with `\n` (only the head when ``truncated``).
    public var data: [UInt8]
    /// The full size of the joined data, including what was dropped over the cap.
    public var dataByteCount: Int
    /// The last event id seen on the stream (`id:` fields persist across events), or empty.
    public var id: String

    /// An event.
    public init(type: String = "message", data: [UInt8], dataByteCount: Int? = nil, id: String = "") {
        self.type = type
        self.data = data
        self.dataByteCount = dataByteCount ?? data.count
        self.id = id
    }

    /// Whether ``data`` holds only the head of the event's data (the event was over the cap).
    public var truncated: Bool { dataByteCount > data.count }

    /// ``data`` as UTF-8 text.
    public var text: String { String(decoding: data, as: UTF8.self) }
}
