import ArgumentParser

/// `telltale-bench`: the benchmarks behind BENCHMARKS.md (not timed tests).
@main
struct TelltaleBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telltale-bench",
        abstract: "Benchmarks of Telltale: what `telltale run` and `telltale proxy` add to an MCP server, ingest, store queries and dashboard pages.",
        subcommands: [
            RelayBenchmark.self, IngestBenchmark.self, EchoServer.self, ObservedRelayWrapper.self, FillStore.self,
            StoreQueries.self, DashboardBenchmark.self, HTTPProxyBenchmark.self,
        ]
    )
}
