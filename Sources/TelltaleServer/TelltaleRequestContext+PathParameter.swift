import Hummingbird

extension TelltaleRequestContext {
    /// A path parameter, percent-decoded (`file:deletes%20at%20night` → `file:deletes at night`).
    ///
    /// Hummingbird hands parameters over as they appear in the path; ids chosen by users (rule and channel
    /// names, `Mcp-Session-Id` values) may contain spaces, `/` or other characters a client must escape.
    func pathParameter(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }
}
