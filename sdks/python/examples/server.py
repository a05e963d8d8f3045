"""A runnable MCP server monitored by Telltale (works with mcp 2.x and mcp 1.x).

    telltale serve &                                   # a collector on http://127.0.0.1:7340
    telltale keys create --scope ingest                # prints an ingest key
    export TELLTALE_ENDPOINT=http://127.0.0.1:7340 TELLTALE_API_KEY=<the key>
    python examples/server.py                          # stdio (point an MCP client at this command)
    python examples/server.py --http 8000              # streamable HTTP on http://127.0.0.1:8000/mcp
"""

from __future__ import annotations

import argparse

import telltale_mcp

try:  # mcp 2.x
    from mcp.server.mcpserver import MCPServer as ServerClass
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import FastMCP as ServerClass


def build(port: int):
    kwargs = {"host": "127.0.0.1", "port": port} if ServerClass.__name__ == "FastMCP" else {}
    server = ServerClass("telltale-example", **kwargs)

    @server.tool()
    def forecast(city: str, days: int = 1) -> str:
        """A made-up weather forecast."""
        if days > 7:
            raise ValueError("at most 7 days")  # recorded as a toolError
        return f"{city}: sunny for {days} day(s)"

    @server.tool()
    def sign_in(user: str, password: str) -> str:
        """The password never reaches the collector: it is redacted before it leaves the process."""
        return f"hello {user}"

    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int, metavar="PORT", help="serve streamable HTTP instead of stdio")
    args = parser.parse_args()
    server = build(args.http or 8000)

    def add_tenant(call: dict) -> dict | None:
        call["tags"]["tenant"] = "demo"  # enrich every call; return None to drop one
        return call

    # Before run(): the initialize handshake is captured too.
    telltale_mcp.monitor(server, tags={"env": "example"}, before_send=add_tenant)
    if args.http:
        if ServerClass.__name__ == "FastMCP":
            server.run("streamable-http")
        else:
            server.run("streamable-http", host="127.0.0.1", port=args.http)
    else:
        server.run("stdio")


if __name__ == "__main__":
    main()
