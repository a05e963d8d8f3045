import Foundation
import Hummingbird
import Testing
@testable import TelltaleServer

@Suite struct GzipInflaterTests {
    @Test func inflatesWhatGzipWrote() throws {
        let text = String(repeating: "{\"id\":\"x\"}\n", count: 50_000)
        let compressed = try Fixtures.gzip(ByteBuffer(string: text))
        #expect(compressed.readableBytes < text.utf8.count / 10)
        let inflated = try GzipInflater.inflate(compressed, limit: 1 << 20)
        #expect(String(buffer: inflated) == text)
    }

    @Test func concatenatedMembersAreOneStream() throws {
        var both = try Fixtures.gzip(ByteBuffer(string: "first\n"))
        var second = try Fixtures.gzip(ByteBuffer(string: "second\n"))
        both.writeBuffer(&second)
        #expect(String(buffer: try GzipInflater.inflate(both, limit: 100)) == "first\nsecond\n")
    }

    @Test func limitIsExactAndBounded() throws {
        let payload = ByteBuffer(repeating: UInt8(ascii: "a"), count: 100_000)
        let compressed = try Fixtures.gzip(payload)
        #expect(try GzipInflater.inflate(compressed, limit: 100_000).readableBytes == 100_000)
        #expect(throws: GzipInflater.Failure.tooLarge) { try GzipInflater.inflate(compressed, limit: 99_999) }
    }

    @Test func corruptTruncatedAndEmptyAreInvalid() throws {
        let compressed = try Fixtures.gzip(ByteBuffer(string: String(repeating: "hello ", count: 1000)))
        var corrupt = compressed
        let middle = compressed.readableBytes / 2
        corrupt.setInteger(~compressed.getInteger(at: middle, as: UInt8.self)!, at: middle)
        let truncated = compressed.getSlice(at: 0, length: compressed.readableBytes - 6)!
        for body in [corrupt, truncated, ByteBuffer(), ByteBuffer(string: "plain text")] {
            #expect(throws: GzipInflater.Failure.self) { try GzipInflater.inflate(body, limit: 1 << 20) }
            do {
                _ = try GzipInflater.inflate(body, limit: 1 << 20)
            } catch {
                #expect(error != .tooLarge)
            }
        }
    }
}
