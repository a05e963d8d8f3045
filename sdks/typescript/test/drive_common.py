"""What both Python drivers of the TypeScript SDK's tests do once connected (imported by drive_http.py and drive_stdio.py).

Lists tools, calls `utc_time` and `always_fails`, and returns what it saw; `report` prints that as one JSON line.
"""

import json


async def exercise(client) -> dict:
    """Lists the tools and calls `utc_time` and `always_fails` on a connected `mcp.Client`."""
    tools = await client.list_tools()
    ok = await client.call_tool("utc_time", {})
    failed = await client.call_tool("always_fails", {})
    return {
        "tools": sorted(tool.name for tool in tools.tools),
        "time": ok.content[0].text,
        "failedIsError": failed.is_error,
        "failedText": failed.content[0].text,
    }


def report(summary: dict) -> None:
    """Prints the summary as the one JSON line the TypeScript test parses."""
    print(json.dumps(summary))
