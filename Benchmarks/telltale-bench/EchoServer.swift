import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// A minimal line-echo "MCP server" for the relay benchmark: for every line read on stdin it writes a
/// JSON-RPC response with the same id and about the same size. Blocking I/O, no Foundation, no allocation
/// on the hot path.
struct EchoServer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo-server",
        abstract: "Answers each JSON-RPC line on stdin with a response of similar size (benchmark helper).",
        shouldDisplay: false
    )

    func run() throws {
        let capacity = 1 << 20
        let input = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        let output = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity + 4096)
        defer { input.deallocate(); output.deallocate() }
        var filled = 0
        while true {
            if filled == capacity { filled = 0 }  // a line longer than the buffer: drop it (never in the benchmark)
            let n = read(STDIN_FILENO, input + filled, capacity - filled)
            if n == 0 { return }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            filled += n
            var lineStart = 0
            var produced = 0
            var index = filled - n
            while index < filled {
                if input[index] == 0x0A {
                    produced += Self.respond(to: UnsafeBufferPointer(start: input + lineStart, count: index - lineStart),
                                             into: output + produced)
                    lineStart = index + 1
                    if produced > capacity { flush(output, produced); produced = 0 }
                }
                index += 1
            }
            if produced > 0 { flush(output, produced) }
            if lineStart > 0 {
                memmove(input, input + lineStart, filled - lineStart)
                filled -= lineStart
            }
        }
    }

    private func flush(_ bytes: UnsafeMutablePointer<UInt8>, _ count: Int) {
        var offset = 0
        while offset < count {
            let n = write(STDOUT_FILENO, bytes + offset, count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                Glibc.exit(1)
            }
            offset += n
        }
    }

    private static let prefix = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
    private static let middle = Array(#","result":{"content":[{"type":"text","text":""#.utf8)
    private static let idKey = Array(#""id":"#.utf8)
    private static let suffix = Array(#""}],"isError":false}}"#.utf8)

    /// Writes the response to `line` at `out`; returns its length (newline included).
    private static func respond(to line: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var length = 0
        func append(_ bytes: UnsafeBufferPointer<UInt8>) {
            (out + length).update(from: bytes.baseAddress!, count: bytes.count)
            length += bytes.count
        }
        prefix.withUnsafeBufferPointer(append)
        let id = idRange(in: line)
        if id.isEmpty {
            out[length] = 0x30  // "0"
            length += 1
        } else {
            append(UnsafeBufferPointer(rebasing: line[id]))
        }
        middle.withUnsafeBufferPointer(append)
        let padding = max(0, line.count - length - suffix.count)
        (out + length).initialize(repeating: 0x78, count: padding)  // "x"
        length += padding
        suffix.withUnsafeBufferPointer(append)
        out[length] = 0x0A
        return length + 1
    }

    /// The bytes of the value after `"id":` (up to `,` or `}`), or an empty range.
    private static func idRange(in line: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        let key = idKey
        guard line.count > key.count else { return 0..<0 }
        var i = 0
        while i + key.count <= line.count {
            var match = true
            for k in 0..<key.count where line[i + k] != key[k] { match = false; break }
            if match {
                let start = i + key.count
                var end = start
                while end < line.count && line[end] != 0x2C && line[end] != 0x7D { end += 1 }
                return start..<end
            }
            i += 1
        }
        return 0..<0
    }
}
