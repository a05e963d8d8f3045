import TelltaleCore

extension JSONValue {
    /// The member `key` of an object; nil for anything else (test convenience).
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }
}
