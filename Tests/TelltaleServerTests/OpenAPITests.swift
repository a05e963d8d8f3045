import Foundation
import HummingbirdTesting
import Testing
@testable import TelltaleServer

@Suite struct OpenAPITests {
    @Test func everyRouteIsDocumented() async throws {
        let fixture = try await ServerFixture.make()
        let routes = TelltaleServer.buildRouter(store: fixture.store, configuration: fixture.configuration).routes
        #expect(routes.count == 28)
        let documented = OpenAPIDocument.operations()
        for route in routes {
            #expect(
                documented[route.path]?.contains(route.method.rawValue.lowercased()) == true,
                "\(route) is not in openapi.yaml"
            )
        }
        // And nothing documented that the router does not serve.
        let served = Set(routes.map { "\($0.method.rawValue.lowercased()) \($0.path)" })
        for (path, methods) in documented {
            for method in methods {
                #expect(served.contains("\(method) \(path)"), "openapi.yaml documents \(method) \(path), not routed")
            }
        }
    }

    @Test func documentIsOpenAPI31WithBearerSecurityAndSchemas() {
        let yaml = OpenAPIDocument.yaml
        #expect(yaml.hasPrefix("openapi: 3.1"))
        #expect(yaml.contains("scheme: bearer"))
        let schemas = [
            "Call:", "IngestResponse:", "Error:", "SummaryStats:", "TargetStats:", "PeerStats:", "SessionStats:",
            "TimeBucketStats:", "OverviewReport:", "ErrorMatrixReport:", "ThroughputReport:", "ConcentrationReport:",
            "RegressionReport:", "AlertRule:", "AlertChannel:", "AlertTransition:", "AlertDelivery:", "AlertWebhookPayload:",
        ]
        for schema in schemas {
            #expect(yaml.contains("    \(schema)"), "schema \(schema) missing")
        }
    }

    @Test func pathReaderFindsMethodsUnderPaths() {
        let yaml = """
        openapi: 3.1.0
        paths:
          /a:
            get:
              summary: x
            post:
              summary: y
          "/b/{id}":
            # comment
            delete:
              summary: z
        components:
          schemas:
            /notapath:
              get: {}
        """
        #expect(OpenAPIDocument.operations(in: yaml) == ["/a": ["get", "post"], "/b/{id}": ["delete"]])
    }

    @Test func documentIsServedWithoutAuth() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.withClient { client in
            let response = try await client.execute(uri: "/api/v1/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.contains("yaml") == true)
            #expect(String(buffer: response.body) == OpenAPIDocument.yaml)
        }
    }
}
