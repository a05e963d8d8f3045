import Foundation
import TelltaleCore

/// One tool × client version cell of the ``ErrorMatrixReport``.
package struct ErrorMatrixCell: Codable, Sendable, Equatable {
    package var client: String?
    package var clientVersion: String?
    package var calls: Int
    package var errors: Int
    package var errorRate: Double
    /// The rest of this tool's traffic (every other client version): calls, errors, rate.
    package var restCalls: Int
    package var restErrors: Int
    package var restErrorRate: Double
    /// This cell's rate tested against the rest of the tool's traffic; nil when the tool has no other traffic.
    package var test: TwoProportionTest?
    /// The cell's rate is significantly above the rest of the tool's traffic (p < 0.01, ≥ 5 errors).
    package var hot: Bool

    package init(
        client: String?, clientVersion: String?, calls: Int, errors: Int, restCalls: Int, restErrors: Int,
        test: TwoProportionTest?, hot: Bool
    ) {
        self.client = client
        self.clientVersion = clientVersion
        self.calls = calls
        self.errors = errors
        self.errorRate = calls == 0 ? 0 : Double(errors) / Double(calls)
        self.restCalls = restCalls
        self.restErrors = restErrors
        self.restErrorRate = restCalls == 0 ? 0 : Double(restErrors) / Double(restCalls)
        self.test = test
        self.hot = hot
    }
}
