import Testing
import TelltaleCore

@Suite struct LineFramerTests {
    private func frame(_ chunks: [[UInt8]], maxLineBytes: Int = LineFramer.defaultMaxLineBytes) -> [LineFramer.OwnedLine] {
        var framer = LineFramer(maxLineBytes: maxLineBytes)
        var lines: [LineFramer.OwnedLine] = []
        for chunk in chunks { lines += chunk.withUnsafeBytes { framer.lines(in: $0) } }
        if let last = framer.finish() { lines.append(last) }
        return lines
    }

    private func text(_ lines: [LineFramer.OwnedLine]) -> [String] {
        lines.map { String(decoding: $0.bytes, as: UTF8.self) }
    }

    @Test func splitsWholeLinesInOneChunk() {
        let lines = frame([Array("{\"a\":1}\n{\"b\":2}\n".utf8)])
        #expect(text(lines) == ["{\"a\":1}", "{\"b\":2}"])
        #expect(lines.map(\.byteCount) == [7, 7])
        #expect(lines.allSatisfy { !$0.truncated })
    }

    @Test func survivesASplitAtEveryPointAndInSingleBytes() {
        let stream = Fixtures.bytes(Fixtures.modern, from: .client)
        let expected = Fixtures.modern.filter { $0.0 == .client }.map(\.1)
        for split in 0...stream.count {
            let lines = frame([Array(stream[..<split]), Array(stream[split...])])
            #expect(text(lines) == expected, "split at \(split)")
        }
        #expect(text(frame(stream.map { [$0] })) == expected)
    }

    @Test func stripsCRLFEvenWhenTheCRAndLFArriveInDifferentChunks() {
        #expect(text(frame([Array("one\r\ntwo\r\n".utf8)])) == ["one", "two"])
        #expect(text(frame([Array("one\r".utf8), Array("\ntwo\r".utf8), Array("\n".utf8)])) == ["one", "two"])
        #expect(frame([Array("one\r\n".utf8)]).first?.byteCount == 3)
    }

    @Test func ignoresEmptyLines() {
        #expect(text(frame([Array("\n\n{}\n\r\n\n{}\n".utf8)])) == ["{}", "{}"])
    }

    @Test func finishYieldsTheUnterminatedLastLine() {
        var framer = LineFramer()
        let lines = Array("a\nb".utf8).withUnsafeBytes { framer.lines(in: $0) }
        #expect(text(lines) == ["a"])
        #expect(framer.pendingBytes == 1)
        let last = framer.finish()
        #expect(last.map { String(decoding: $0.bytes, as: UTF8.self) } == "b")
        #expect(framer.finish() == nil)
    }

    @Test func keepsTheHeadOfAnOverlongLineAndStaysInSync() {
        // Small bound to exercise both the in-chunk and the buffered path.
        let long = Array(repeating: UInt8(ascii: "x"), count: 100)
        let stream = long + Array("\r\nnext\n".utf8)
        for split in [0, 3, 10, 50, 99, 100, 101, 102] {
            let lines = frame([Array(stream[..<split]), Array(stream[split...])], maxLineBytes: 10)
            #expect(lines.count == 2)
            #expect(lines.first?.bytes == Array(repeating: UInt8(ascii: "x"), count: 10))
            #expect(lines.first?.byteCount == 100)
            #expect(lines.first?.truncated == true)
            #expect(lines.last.map { String(decoding: $0.bytes, as: UTF8.self) } == "next")
            #expect(lines.last?.truncated == false)
        }
    }

    @Test func handlesALineOf64MiBInChunksWithTheDefaultBound() {
        var framer = LineFramer()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
        var lines: [LineFramer.OwnedLine] = []
        let head = Array(#"{"jsonrpc":"2.0","id":7,"result":{"text":""#.utf8)
        lines += head.withUnsafeBytes { framer.lines(in: $0) }
        for _ in 0..<64 { lines += chunk.withUnsafeBytes { framer.lines(in: $0) } }
        lines += Array("\"}}\n{\"jsonrpc\":\"2.0\",\"method\":\"x\"}\n".utf8).withUnsafeBytes { framer.lines(in: $0) }
        #expect(lines.count == 2)
        #expect(lines[0].truncated)
        #expect(lines[0].bytes.count == LineFramer.defaultMaxLineBytes)
        #expect(lines[0].byteCount == head.count + 64 << 20 + 3)
        #expect(Array(lines[0].bytes.prefix(head.count)) == head)
        #expect(String(decoding: lines[1].bytes, as: UTF8.self) == #"{"jsonrpc":"2.0","method":"x"}"#)
        #expect(framer.pendingBytes == 0)
    }
}
