import Testing
@testable import TelltaleCore

@Suite struct DurationNanosecondsTests {
    @Test func wholeNanosecondsSaturateAtTheEnds() {
        #expect(Duration.milliseconds(1500).saturatingNanoseconds == 1_500_000_000)
        #expect(Duration.nanoseconds(-7).saturatingNanoseconds == -7)
        #expect(Duration.seconds(Int64.max).saturatingNanoseconds == .max)
        #expect(Duration.seconds(Int64.min).saturatingNanoseconds == .min)
    }

    @Test func nonNegativeNanosecondsClampNegativesToZero() {
        #expect(Duration.milliseconds(250).nonNegativeNanoseconds == 250_000_000)
        #expect(Duration.seconds(-1).nonNegativeNanoseconds == 0)
        #expect(Duration.seconds(Int64.max).nonNegativeNanoseconds == .max)
    }

    @Test func secondsKeepTheFraction() {
        #expect(Duration.milliseconds(15_250).secondsValue == 15.25)
        #expect(Duration.seconds(-2).secondsValue == -2)
    }
}
