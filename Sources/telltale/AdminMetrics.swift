import Prometheus
import Synchronization
import TelltaleCapture

/// The `/metrics` of `--admin-addr`: proxy, capture and shipper counters in the Prometheus text format.
///
/// The counts live where they happen (the proxy's atomics, the tracker, the shipper); at each scrape they
/// are read and the registry's counters advanced by the difference, so the exposition is swift-prometheus's.
final class AdminMetrics: Sendable {
    private let runtime: HTTPCaptureRuntime
    private let registry = PrometheusCollectorRegistry()
    private let requests: Counter
    private let inspected: Counter
    private let upstreamErrors: Counter
    private let openConnections: Gauge
    private let captured: Counter
    private let sent: Counter
    private let spooled: Counter
    private let dropped: Counter
    private let queueDepth: Gauge
    private let last = Mutex([String: Int]())

    init(runtime: HTTPCaptureRuntime) {
        self.runtime = runtime
        requests = Self.counter(registry, "proxy", "requests",
            "HTTP requests relayed to the upstream server.")
        inspected = Self.counter(registry, "proxy", "inspected_requests",
            "Relayed requests on inspected paths.")
        upstreamErrors = Self.counter(registry, "proxy", "upstream_errors",
            "Upstream connections refused, reset or failed.")
        openConnections = Self.gauge(registry, "proxy", "open_connections",
            "Client connections open now.")
        captured = Self.counter(registry, "calls", "captured",
            "Call records produced by capture.")
        sent = Self.counter(registry, "calls", "sent",
            "Call records the collector acknowledged.")
        spooled = Self.counter(registry, "calls", "spooled",
            "Call records written to the disk spool.")
        dropped = Self.counter(registry, "calls", "dropped",
            "Call records lost (refused, spool full, after shutdown).")
        queueDepth = Self.gauge(registry, "shipper", "queue_depth",
            "Call records waiting in memory to be sent.")
    }

    private static func counter(_ registry: PrometheusCollectorRegistry, _ subsystem: String, _ name: String, _ help: String) -> Counter {
        registry.makeCounter(descriptor: .init(namespace: "telltale", subsystem: subsystem, metricName: name, unitName: "total", helpText: help))
    }

    private static func gauge(_ registry: PrometheusCollectorRegistry, _ subsystem: String, _ name: String, _ help: String) -> Gauge {
        registry.makeGauge(descriptor: .init(namespace: "telltale", subsystem: subsystem, metricName: name, unitName: "", helpText: help))
    }

    /// The current values in the Prometheus text exposition format.
    func render() -> [UInt8] {
        let proxy = runtime.proxy.stats
        let shipper = runtime.shipper?.stats ?? ShipperStats()
        let totals: [(Counter, String, Int)] = [
            (requests, "requests", proxy.requestsRelayed),
            (inspected, "inspected", proxy.inspectedRequests),
            (upstreamErrors, "upstreamErrors", proxy.upstreamErrors),
            (captured, "captured", runtime.observer?.callsCaptured ?? 0),
            (sent, "sent", shipper.sent),
            (spooled, "spooled", shipper.spooled),
            (dropped, "dropped", shipper.dropped),
        ]
        last.withLock { last in
            for (counter, key, value) in totals {
                let delta = value - (last[key] ?? 0)
                if delta > 0 { counter.increment(by: Int64(delta)) }
                last[key] = max(value, last[key] ?? 0)
            }
        }
        openConnections.set(Int64(proxy.openConnections))
        queueDepth.set(Int64(shipper.queueDepth))
        return registry.emitToBuffer()
    }
}
