import Foundation
import Testing
import TelltaleCore
@testable import TelltaleServer

@Suite struct IngestDecoderTests {
    private func lines(_ text: String) -> [(Int, String)] {
        let data = Data(text.utf8)
        return IngestDecoder.lineRanges(data).map { ($0.index, String(decoding: data[$0.range], as: UTF8.self)) }
    }

    @Test func linesKeepTheirIndexAcrossBlankLinesAndCRLF() {
        let found = lines("a\r\n\n  \nb\n\t\r\nc")
        #expect(found.map(\.0) == [0, 3, 5])
        #expect(found.map(\.1) == ["a", "b", "c"])
    }

    @Test func emptyAndTrailingNewlines() {
        #expect(lines("").isEmpty)
        #expect(lines("\n\n").isEmpty)
        #expect(lines("x\n").map(\.1) == ["x"])
    }

    @Test func worksOnADataSliceWithANonZeroStart() throws {
        let whole = Data("skip\n{\"a\":1}\nz".utf8)
        let slice = whole[5...]
        let found = IngestDecoder.lineRanges(slice)
        #expect(found.map(\.index) == [0, 1])
        #expect(String(decoding: slice[found[0].range], as: UTF8.self) == "{\"a\":1}")
    }

    @Test func validationRejectsWhatTheSchemaAllows() async throws {
        var call = Fixtures.sampleCalls()[0]
        #expect(IngestDecoder.validate(call) == nil)
        call.durationNs = -1
        let negative = await IngestDecoder.decode(Data(CallCodec.encode([call])))
        #expect(negative.rejected.first?.reason.contains("durationNs") == true)
        call.durationNs = 0
        call.id = String(repeating: "x", count: 201)
        #expect(IngestDecoder.validate(call)?.contains("'id'") == true)
    }
}
