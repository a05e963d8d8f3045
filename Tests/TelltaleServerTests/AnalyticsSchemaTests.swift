import Foundation
import HummingbirdTesting
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

/// The analytics replies as served match their schemas in `openapi.yaml`: every key the server writes is a
/// documented property, and every required property is written.
@Suite struct AnalyticsSchemaTests {
    typealias Data = AnalyticsTestData

    /// A schema's property names and required names, read from the document's own layout (schemas are
    /// four-space-indented keys under `components.schemas`, properties eight-space-indented under `properties:`).
    static func schema(_ name: String) throws -> (properties: Set<String>, required: Set<String>) {
        let lines = OpenAPIDocument.yaml.split(separator: "\n").map(String.init)
        let start = try #require(lines.firstIndex(of: "    \(name):"), "schema \(name) missing")
        var properties: Set<String> = []
        var required: Set<String> = []
        var inProperties = false
        for line in lines[(start + 1)...] {
            let indent = line.prefix(while: { $0 == " " }).count
            if indent <= 4 { break }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if indent == 6 {
                inProperties = trimmed == "properties:"
                if trimmed.hasPrefix("required: [") {
                    required = Set(trimmed.dropFirst("required: [".count).dropLast().split(separator: ",").map {
                        $0.trimmingCharacters(in: .whitespaces)
                    })
                }
            } else if indent == 8, inProperties, trimmed.hasSuffix(":") {
                properties.insert(String(trimmed.dropLast()))
            }
        }
        return (properties, required)
    }

    /// Checks `object` against schema `name`.
    static func check(_ object: Any?, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dictionary = try #require(object as? [String: Any], "\(name) is not an object", sourceLocation: sourceLocation)
        let schema = try schema(name)
        let keys = Set(dictionary.keys)
        #expect(keys.subtracting(schema.properties).isEmpty, "\(name): undocumented \(keys.subtracting(schema.properties))", sourceLocation: sourceLocation)
        #expect(schema.required.subtracting(keys).isEmpty, "\(name): missing \(schema.required.subtracting(keys))", sourceLocation: sourceLocation)
    }

    static func first(_ object: Any?, _ key: String) -> Any? {
        ((object as? [String: Any])?[key] as? [Any])?.first
    }

    static func json(_ client: some TestClientProtocol, _ uri: String, key: String) async throws -> [String: Any] {
        let response = try await Data.get(client, uri, key: key)
        #expect(response.status == .ok)
        return try Fixtures.object(response.body)
    }

    @Test func repliesMatchTheirSchemas() async throws {
        let calls = TimeseriesAPITests.calls() + MatrixAPITests.calls() + ThroughputAPITests.calls()
            + ConcentrationAPITests.calls() + RegressionAPITests.calls()
        let fixture = try await Data.fixture(calls)
        try await fixture.withClient { client in
            let key = fixture.readKey
            let range = Data.range(0, 4 * 3600)

            let overview = try await Self.json(client, "/api/v1/timeseries?\(range)", key: key)
            try Self.check(overview, "OverviewReport")
            try Self.check(overview["summary"], "SummaryStats")
            try Self.check(Self.first(overview, "timeseries"), "TimeBucketStats")

            let matrix = try await Self.json(client, "/api/v1/matrix?\(range)", key: key)
            try Self.check(matrix, "ErrorMatrixReport")
            try Self.check(Self.first(matrix, "columns"), "ClientVersion")
            let row = Self.first(matrix, "rows")
            try Self.check(row, "ErrorMatrixRow")
            let cell = Self.first(row, "cells")
            try Self.check(cell, "ErrorMatrixCell")
            try Self.check((cell as? [String: Any])?["test"], "TwoProportionTest")

            let throughput = try await Self.json(client, "/api/v1/throughput?\(range)", key: key)
            try Self.check(throughput, "ThroughputReport")
            let series = try #require((throughput["tools"] as? [[String: Any]])?.first { $0["silentSince"] != nil })
            try Self.check(series, "ThroughputSeries")
            try Self.check(series["drop"], "ThroughputDrop")

            let concentration = try await Self.json(client, "/api/v1/sessions/concentration?\(range)", key: key)
            try Self.check(concentration, "ConcentrationReport")
            try Self.check(concentration["concentration"], "ErrorConcentration")
            try Self.check(Self.first(concentration, "topSessions"), "SessionStats")

            let regressions = try await Self.json(client, "/api/v1/regressions?\(range)", key: key)
            try Self.check(regressions, "RegressionReport")
            let comparison = Self.first(regressions, "clients")
            try Self.check(comparison, "ClientRegression")
            try Self.check((comparison as? [String: Any])?["window"], "ComparisonWindow")
            let tool = Self.first(comparison, "tools")
            try Self.check(tool, "ToolRegression")
            try Self.check((tool as? [String: Any])?["test"], "TwoProportionTest")
        }
    }
}
