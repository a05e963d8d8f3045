import Testing
import TelltaleCore

@Suite struct RedactorTests {
    @Test(arguments: ["password", "Passwd", "client_secret", "accessToken", "refresh-token", "Authorization",
                      "api_key", "API Key", "apikey", "x-api-key", "Cookie", "set-cookie", "aws_credentials",
                      "private_key", "privateKey", "session_id", "SessionId", "auth", "DB_PASSWORD"])
    func defaultRuleRedacts(key: String) {
        #expect(Redactor.standard.isSensitive(key: key))
    }

    @Test(arguments: ["name", "arguments", "timezone", "progressToken", "maxTokens", "author", "session", "keyword",
                      "io.modelcontextprotocol/clientInfo"])
    func defaultRuleKeeps(key: String) {
        #expect(!Redactor.standard.isSensitive(key: key))
    }

    @Test func redactsAtAnyDepthIncludingInArraysAndWholeSubtrees() throws {
        let value = try JSONValue(parsing: Array(#"""
        {"name":"login","arguments":{"user":"ann","password":"hunter2","nested":[{"deep":{"api_key":"k-123","keep":1}}],
         "credentials":{"user":"x","pin":1234}},"_meta":{"progressToken":5}}
        """#.utf8))
        let redacted = Redactor.standard.redact(value)
        let text = redacted.jsonText
        #expect(!text.contains("hunter2"))
        #expect(!text.contains("k-123"))
        #expect(!text.contains("1234"))
        guard case .object(let root) = redacted, case .object(let arguments)? = root["arguments"] else {
            Issue.record("shape changed")
            return
        }
        #expect(arguments["password"] == .string("[REDACTED]"))
        #expect(arguments["credentials"] == .string("[REDACTED]"))
        #expect(arguments["user"] == .string("ann"))
        #expect(text.contains(#""keep":1"#))
        #expect(text.contains(#""progressToken":5"#))
    }

    @Test func extraPatternsAreCaseInsensitiveRegexes() throws {
        let redactor = try Redactor(extraKeyPatterns: ["^ssn$", "account_?number"])
        #expect(redactor.isSensitive(key: "SSN"))
        #expect(redactor.isSensitive(key: "bankAccountNumber"))
        #expect(!redactor.isSensitive(key: "ssn_hint"))
        #expect(redactor.isSensitive(key: "token"))
        let value = JSONValue.object(["ssn": .string("123-45-6789"), "city": .string("Paris")])
        #expect(redactor.redact(value) == .object(["ssn": .string("[REDACTED]"), "city": .string("Paris")]))
    }

    @Test func invalidPatternIsAClearError() {
        #expect(throws: RedactionPatternError.self) { try Redactor(extraKeyPatterns: ["ok", "(unclosed"]) }
        do {
            _ = try Redactor(extraKeyPatterns: ["(unclosed"])
        } catch {
            #expect(error.description.contains("(unclosed"))
            #expect(error.description.contains("--redact-key"))
        }
    }

    @Test func redactingWhileParsingEqualsRedactingAfter() throws {
        let redactor = try Redactor(extraKeyPatterns: ["^x-"])
        for (_, line) in Fixtures.modern + Fixtures.legacy {
            let bytes = Array(line.utf8)
            let plain = try JSONValue(parsing: bytes)
            let inline = try bytes.withUnsafeBytes { raw throws(JSONParseError) in
                try JSONValue(parsing: raw, redactingWith: redactor)
            }
            #expect(inline == redactor.redact(plain))
        }
        let secretive = Array(#"{"a":{"Password":{"deep":[1,2,{"x":3}]},"x-trace":"t","list":[{"token":null}]},"b":2}"#.utf8)
        let inline = try secretive.withUnsafeBytes { raw throws(JSONParseError) in try JSONValue(parsing: raw, redactingWith: redactor) }
        #expect(inline == redactor.redact(try JSONValue(parsing: secretive)))
        #expect(inline.jsonText == #"{"a":{"Password":"[REDACTED]","list":[{"token":"[REDACTED]"}],"x-trace":"[REDACTED]"},"b":2}"#)
    }
}
