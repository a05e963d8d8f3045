import ArgumentParser

/// `telltale-bench`: the benchmarks behind BENCHMARKS.md (not timed tests).
@main
struct TelltaleBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telltale-bench",
        abstract: "Benchmarks of Telltale: what `telltale run` adds to a stdio MCP server, ingest, and store queries.",
        subcommands: [
            RelayBenchmark.self, IngestBenchmark.self, EchoServer.self, ObservedRelayWrapper.self, FillStore.self,
            StoreQueries.self,
        ]
    )
}
