import Foundation
import GRDB

/// The JSON text alert definitions are stored as (sorted keys, so equal definitions are equal text).
enum AlertJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes a stored definition; a definition this version cannot read is reported as damaged data.
    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "unreadable stored \(T.self): \(error)")
        }
    }
}
