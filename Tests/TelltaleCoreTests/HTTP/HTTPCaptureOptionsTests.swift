import Testing
import TelltaleCore

@Suite struct HTTPCaptureOptionsTests {
    @Test func parsesContextHeaderSpecs() throws {
        let options = try HTTPCaptureOptions(contextHeaderSpecs: ["X-Tenant=tenant", " X-Env = environment "],
                                             redactHeaders: ["X-Internal-Token"])
        #expect(options.contextHeaders == [ContextHeaderMapping(header: "X-Tenant", tag: "tenant"),
                                           ContextHeaderMapping(header: "X-Env", tag: "environment")])
        #expect(options.neverStoredHeaders.contains("x-internal-token"))
        #expect(options.neverStoredHeaders.contains("authorization"))
        #expect(options.capture.transport == .http)
        #expect(options.sessionIdleTimeout == .seconds(900))
    }

    @Test func refusesMalformedSpecs() {
        for spec in ["X-Tenant", "=tag", "X-Tenant=", "Bad Header=tag", "X:y=tag", ""] {
            #expect(throws: HTTPCaptureOptionsError.malformedContextHeader(spec)) {
                try HTTPCaptureOptions(contextHeaderSpecs: [spec])
            }
        }
    }

    @Test func refusesCredentialAndRedactedHeaders() {
        for header in ["Authorization", "cookie", "SET-COOKIE", "Proxy-Authorization", "x-api-key"] {
            #expect(throws: HTTPCaptureOptionsError.sensitiveContextHeader(header)) {
                try HTTPCaptureOptions(contextHeaderSpecs: ["\(header)=tag"])
            }
        }
        #expect(throws: HTTPCaptureOptionsError.sensitiveContextHeader("X-Secret")) {
            try HTTPCaptureOptions(contextHeaderSpecs: ["X-Secret=s"], redactHeaders: ["x-secret"])
        }
        #expect(throws: HTTPCaptureOptionsError.malformedRedactHeader("bad name")) {
            try HTTPCaptureOptions(redactHeaders: ["bad name"])
        }
    }

    @Test func errorsSayWhatIsWrong() {
        #expect(HTTPCaptureOptionsError.sensitiveContextHeader("Authorization").description
            == "--context-header 'Authorization' is refused: the values of this header are never stored")
        #expect(HTTPCaptureOptionsError.malformedContextHeader("X").description
            == "invalid --context-header 'X': expected Header=tag (a header name, '=', a tag name)")
    }
}
