import Foundation

/// One tool's row of the ``ErrorMatrixReport``.
package struct ErrorMatrixRow: Codable, Sendable, Equatable {
    package var tool: String
    package var calls: Int
    package var errors: Int
    package var errorRate: Double
    /// The tool's cells, in the order of the report's columns (only client versions that called it).
    package var cells: [ErrorMatrixCell]

    package init(tool: String, calls: Int, errors: Int, cells: [ErrorMatrixCell]) {
        self.tool = tool
        self.calls = calls
        self.errors = errors
        self.errorRate = calls == 0 ? 0 : Double(errors) / Double(calls)
        self.cells = cells
    }

    /// The cell of a client version, if it called this tool.
    package func cell(_ column: ClientVersion) -> ErrorMatrixCell? {
        cells.first { $0.client == column.client && $0.clientVersion == column.version }
    }
}
