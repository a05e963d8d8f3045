/// What a rule's condition measured over its window: the value, the threshold it is compared with, whether
/// the condition holds, and a short description of the counts behind the value.
public struct AlertMeasurement: Sendable, Equatable {
    /// The measured value in the condition's unit (percent, ms, calls); nil when there is no data.
    public var value: Double?
    /// The threshold in the same unit.
    public var threshold: Double
    /// Whether the condition holds (never with no data, except for deadman where no data is the point).
    public var breached: Bool
    /// The counts behind the value, e.g. "25 of 200 calls failed".
    public var detail: String

    /// A measurement; `detail` is shown in summaries, e.g. "25 of 200 calls failed".
    public init(value: Double?, threshold: Double, breached: Bool, detail: String) {
        self.value = value
        self.threshold = threshold
        self.breached = breached
        self.detail = detail
    }
}
