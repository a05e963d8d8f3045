/// The head of an HTTP body, kept up to a limit; the rest is counted, not kept.
package struct HTTPBodyBuffer: Sendable {
    /// Bytes kept at most.
    package let limit: Int
    /// The kept head of the body.
    package private(set) var bytes: [UInt8] = []
    /// The body's full size so far.
    package private(set) var byteCount = 0

    /// An empty buffer keeping at most `limit` bytes.
    package init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// Whether bytes were dropped over the limit.
    package var truncated: Bool { byteCount > bytes.count }

    /// Whether no byte arrived.
    package var isEmpty: Bool { byteCount == 0 }

    /// Appends a part: kept up to the limit, counted in full.
    package mutating func append(_ part: UnsafeRawBufferPointer) {
        byteCount &+= part.count
        let room = limit - bytes.count
        guard room > 0, part.count > 0 else { return }
        bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: part[0..<min(room, part.count)]))
    }
}
