#!/usr/bin/env python3
"""A real MCP server for the tests, built with the `mcp` SDK that HolmesGPT 0.45.0 itself depends on.

Usage: mcp_server.py PORT {streamable-http|sse} [--json-response] [--identity-fails] [--host HOST]

Serves on 127.0.0.1:PORT (or HOST: 0.0.0.0 in the e2e suite's pod, built into tools/e2e/build-holmes-image.sh), streamable HTTP at /mcp or HTTP+SSE at /sse (messages at /messages/). Its tools:
`list_incidents` (always) and `whoami`, HolmesGPT's authentication probe, which fails with --identity-fails.
Run it with the venv python from tools/holmesgpt/setup.sh.
"""

import argparse

from mcp.server.fastmcp import FastMCP


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("port", type=int)
    parser.add_argument("mode", choices=["streamable-http", "sse"])
    parser.add_argument("--json-response", action="store_true", help="answer POSTs with JSON instead of an event stream")
    parser.add_argument("--identity-fails", action="store_true", help="whoami raises, as a server with bad credentials would")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    args = parser.parse_args()

    server = FastMCP("kubernaut-test-incidents", host=args.host, port=args.port, json_response=args.json_response, log_level="WARNING")

    @server.tool()
    def list_incidents(service: str = "") -> str:
        """List the open incidents, optionally of one service."""
        return f"no open incidents{' for ' + service if service else ''}"

    @server.tool()
    def whoami() -> str:
        """Who the server thinks the caller is."""
        if args.identity_fails:
            raise RuntimeError("credentials rejected")
        return "kubernaut-test"

    server.run(transport=args.mode)


if __name__ == "__main__":
    main()
