"""Per-call overhead of telltale_mcp: the same server, monitored and not, in one process.

The official client calls a small tool through the in-memory transport (mcp 2.x: ``Client(server)``;
mcp 1.x: ``create_connected_server_and_client_session``), ``--calls`` sequential calls per round. Rounds
alternate between the unmonitored and the monitored server (which ships to a real ``telltale serve`` started
here, or to ``--endpoint``). Reported, as medians over rounds: wall-clock µs per call (what the client waits)
and CPU µs per call of the whole process, all threads, counted until a final ``flush()`` has delivered every
call of the round (so the background thread's capture, encoding, gzip and HTTP work is all paid inside the
measurement). The collector is another process; its CPU is not counted.

    python bench/overhead.py [--calls 2000] [--rounds 15] [--mode legacy|auto] [--no-payloads]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import telltale_mcp  # noqa: E402

MCP_MAJOR = int(version("mcp").split(".")[0])


def make_server(name: str):
    if MCP_MAJOR >= 2:
        from mcp.server.mcpserver import MCPServer
        server = MCPServer(name)
    else:
        from mcp.server.fastmcp import FastMCP
        server = FastMCP(name)

    @server.tool()
    def add(a: int, b: int) -> int:
        """Adds two numbers."""
        return a + b

    return server


def connect(server, mode: str):
    if MCP_MAJOR >= 2:
        from mcp import Client
        return Client(server, mode=mode)
    from mcp.shared.memory import create_connected_server_and_client_session
    return create_connected_server_and_client_session(server)


async def round_us(server, calls: int, mode: str, monitor=None) -> tuple[float, float]:
    """One round: (wall-clock µs per call, CPU µs per call of this whole process).

    The wall clock stops after the last answer; the CPU clock (all threads) stops after a final ``flush()``,
    so it includes every call's capture, encoding, compression and sending, whenever it happened.
    """
    async with connect(server, mode) as client:
        await client.call_tool("add", {"a": 0, "b": 0})  # warm the connection
        if monitor is not None:
            await anyio.to_thread.run_sync(monitor.flush)
        gc.collect()
        cpu_start = time.process_time_ns()
        start = time.perf_counter_ns()
        for i in range(calls):
            await client.call_tool("add", {"a": i, "b": 1})
        wall = time.perf_counter_ns() - start
        if monitor is not None:
            delivered = await anyio.to_thread.run_sync(monitor.flush)
            assert delivered, "the collector did not take the calls"
        cpu = time.process_time_ns() - cpu_start
        return wall / calls / 1000, cpu / calls / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--mode", default="legacy", help="mcp 2.x client mode: legacy (streams) or auto (modern)")
    parser.add_argument("--no-payloads", action="store_true")
    parser.add_argument("--endpoint", help="an existing collector (with --api-key); default: start telltale serve")
    parser.add_argument("--api-key")
    args = parser.parse_args()

    collector = None
    if args.endpoint:
        endpoint, key = args.endpoint, args.api_key
    else:
        from collector import Collector
        collector = Collector(Path(tempfile.mkdtemp(prefix="telltale-bench-")))
        collector.start()
        endpoint, key = collector.endpoint, collector.ingest_key
    try:
        plain = make_server("bench-plain")
        monitored = make_server("bench-monitored")
        monitor = telltale_mcp.monitor(monitored, endpoint=endpoint, api_key=key, capture_payloads=not args.no_payloads)
        assert monitor.enabled, monitor.disabled_reason
        plain_us: list[tuple[float, float]] = []
        monitored_us: list[tuple[float, float]] = []

        async def run() -> None:
            await round_us(plain, 300, args.mode)
            await round_us(monitored, 300, args.mode, monitor)
            for index in range(args.rounds):
                order = [(plain, None, plain_us), (monitored, monitor, monitored_us)]
                if index % 2:
                    order.reverse()
                for server, mon, sink in order:
                    sink.append(await round_us(server, args.calls, args.mode, mon))

        anyio.run(run)
        try:
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        except OSError:
            load = "?"
        print(f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} CPUs, "
              f"Python {platform.python_version()}, mcp {version('mcp')}, telltale-mcp {telltale_mcp.__version__}")
        print(f"command: python bench/overhead.py {' '.join(sys.argv[1:])}".rstrip())
        print(f"rounds: {args.rounds} x {args.calls} calls per server, interleaved; transport: in-memory"
              f"{' (' + args.mode + ')' if MCP_MAJOR >= 2 else ''}; payloads: {'off' if args.no_payloads else 'on'}")
        print(f"load average at the end: {load}")
        for index, name in ((0, "wall-clock per call"), (1, "process CPU per call (incl. final flush)")):
            base = statistics.median(r[index] for r in plain_us)
            with_monitor = statistics.median(r[index] for r in monitored_us)
            delta = with_monitor - base
            budget = max(0.05 * base, 50.0)
            print(f"{name}: unmonitored median {base:.1f} µs, monitored median {with_monitor:.1f} µs, "
                  f"overhead {delta:+.1f} µs, ratio {with_monitor / base:.3f}; "
                  f"target <= {budget:.1f} µs {'met' if delta <= budget else 'NOT met'}")
            print(f"    per round, unmonitored: {' '.join(f'{r[index]:.0f}' for r in plain_us)}")
            print(f"    per round, monitored:   {' '.join(f'{r[index]:.0f}' for r in monitored_us)}")
        stats = monitor.stats
        captured = max(1, stats["sent"])
        print(f"background thread CPU: {stats['workerCpuNs'] / captured / 1000:.1f} µs per call sent "
              f"({stats['sent']} calls, {stats['workerCpuNs'] / 1e9:.2f} s)")
        print(f"monitor stats: {stats}")
        monitor.shutdown()
    finally:
        if collector is not None:
            collector.stop()


if __name__ == "__main__":
    main()
