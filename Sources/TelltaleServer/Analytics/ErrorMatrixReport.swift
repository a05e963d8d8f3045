import Foundation
import TelltaleCore

/// Error rate by tool × client version: which tool fails for which client release.
///
/// Rows are tools (most called first); columns are client name + version pairs (by client name, then oldest
/// to newest version). Cells exist only where a client version called a tool.
package struct ErrorMatrixReport: Codable, Sendable, Equatable {
    /// Inclusive start of the range.
    package var from: Date
    /// Exclusive end of the range.
    package var to: Date
    /// The client versions that called any tool, ordered by client name then version.
    package var columns: [ClientVersion]
    /// One row per tool, most called first.
    package var rows: [ErrorMatrixRow]
    /// All `tools/call` requests in the matrix.
    package var calls: Int
    /// Failed `tools/call` requests.
    package var errors: Int
    /// `errors / calls`, 0 without calls.
    package var errorRate: Double
    /// The p-value below which a cell is `hot` (0.01).
    package var hotPValue: Double
    /// The fewest errors a hot cell has (5).
    package var hotMinimumErrors: Int

    package init(
        from: Date, to: Date, columns: [ClientVersion], rows: [ErrorMatrixRow], calls: Int, errors: Int,
        hotPValue: Double, hotMinimumErrors: Int
    ) {
        self.from = from
        self.to = to
        self.columns = columns
        self.rows = rows
        self.calls = calls
        self.errors = errors
        self.errorRate = calls == 0 ? 0 : Double(errors) / Double(calls)
        self.hotPValue = hotPValue
        self.hotMinimumErrors = hotMinimumErrors
    }
}
