import Foundation

/// Fails with a clear error when `body` takes longer than `seconds` (a guard, not synchronisation).
func withTimeout<Result: Sendable>(
    _ seconds: Double, _ what: String, _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else {
            throw HTTPTestError("timed out after \(seconds) s: \(what)")
        }
        return result
    }
}

/// `raw` without the header lines whose (case-insensitive) name is in `names`.
func removingHeaderLines(_ raw: [UInt8], _ names: Set<String>) -> [UInt8] {
    let text = String(decoding: raw, as: UTF8.self)
    guard let headEnd = text.range(of: "\r\n\r\n") else { return raw }
    let head = text[..<headEnd.lowerBound].components(separatedBy: "\r\n")
    let kept = head.enumerated().filter { index, line in
        guard index > 0, let colon = line.firstIndex(of: ":") else { return true }
        return !names.contains(line[..<colon].lowercased())
    }.map(\.element)
    return Array((kept.joined(separator: "\r\n") + "\r\n\r\n").utf8) + Array(text[headEnd.upperBound...].utf8)
}

/// Deterministic test bytes.
func testBytes(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

/// A request as bytes.
func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: String? = nil) -> String {
    var text = "\(method) \(target) HTTP/1.1\r\nHost: upstream.test\r\n"
    for (name, value) in headers { text += "\(name): \(value)\r\n" }
    if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
    text += "\r\n"
    return text + (body ?? "")
}
