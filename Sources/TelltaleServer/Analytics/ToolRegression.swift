import Foundation
import TelltaleCore

/// One tool's error rate under a client's new and previous versions, and the significance test.
package struct ToolRegression: Codable, Sendable, Equatable {
    package var tool: String
    package var newCalls: Int
    package var newErrors: Int
    package var newErrorRate: Double
    package var previousCalls: Int
    package var previousErrors: Int
    package var previousErrorRate: Double
    /// New vs previous (one-sided: is the new rate higher?); nil when either version has no calls of the tool.
    package var test: TwoProportionTest?
    /// p < 0.01, the new rate is higher, and the new version has at least 5 errors on this tool.
    package var significant: Bool

    package init(
        tool: String, newCalls: Int, newErrors: Int, previousCalls: Int, previousErrors: Int,
        test: TwoProportionTest?, significant: Bool
    ) {
        self.tool = tool
        self.newCalls = newCalls
        self.newErrors = newErrors
        self.newErrorRate = newCalls == 0 ? 0 : Double(newErrors) / Double(newCalls)
        self.previousCalls = previousCalls
        self.previousErrors = previousErrors
        self.previousErrorRate = previousCalls == 0 ? 0 : Double(previousErrors) / Double(previousCalls)
        self.test = test
        self.significant = significant
    }
}
