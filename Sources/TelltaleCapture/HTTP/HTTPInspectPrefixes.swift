/// The path prefixes whose exchanges are observed, matched on a segment boundary.
struct HTTPInspectPrefixes: Sendable {
    private let prefixes: [[UInt8]]

    /// Prefixes as configured; a trailing `/` is ignored (`/` alone matches every path).
    init(_ prefixes: [String]) {
        self.prefixes = prefixes.compactMap { prefix in
            var bytes = Array(prefix.utf8)
            while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
            if bytes == [UInt8(ascii: "/")] { return [] }
            return bytes.isEmpty ? nil : bytes
        }
    }

    var isEmpty: Bool { prefixes.isEmpty }

    /// Whether the request target (origin or absolute form) has a path under one of the prefixes.
    func matches(target: UnsafeRawBufferPointer) -> Bool {
        var start = 0
        if target.first != UInt8(ascii: "/"), let scheme = Self.find(target, "://", from: 0) {
            // absolute form: skip scheme and authority
            start = target[(scheme + 3)...].firstIndex(of: UInt8(ascii: "/")) ?? target.count
        }
        var end = start
        while end < target.count, target[end] != UInt8(ascii: "?"), target[end] != UInt8(ascii: "#") { end += 1 }
        let pathLength = end - start
        for prefix in prefixes {
            guard prefix.count <= pathLength else { continue }
            var equal = true
            for offset in 0..<prefix.count where target[start + offset] != prefix[offset] {
                equal = false
                break
            }
            guard equal else { continue }
            if prefix.count == pathLength || prefix.isEmpty || target[start + prefix.count] == UInt8(ascii: "/") {
                return true
            }
        }
        return false
    }

    private static func find(_ bytes: UnsafeRawBufferPointer, _ needle: StaticString, from: Int) -> Int? {
        let count = needle.utf8CodeUnitCount
        guard bytes.count >= count else { return nil }
        for index in from...(bytes.count - count) {
            var equal = true
            for offset in 0..<count where bytes[index + offset] != needle.utf8Start[offset] {
                equal = false
                break
            }
            if equal { return index }
        }
        return nil
    }
}
