#!/usr/bin/env python3
"""A tiny HTTP server on 127.0.0.1 that answers the prerequisite (health) calls of HolmesGPT's built-in
toolsets, so that they reach status `enabled` without a real Prometheus/Grafana/Loki/Tempo/Elasticsearch.

Usage: fake_backends.py [PORT]   (0 or absent: any free port). Prints the port on stdout, then serves until killed.
One server answers for every kind; point each toolset's URL at it (a path prefix in the URL is allowed).
Paths (see FINDINGS.md for where each is called in HolmesGPT):
  prometheus/metrics   GET <prometheus_url>/api/v1/query?query=up       -> 200
  grafana/dashboards   GET <api_url>/api/dashboards/tags                 -> 200 JSON
  grafana/loki         GET <api_url>/loki/api/v1/query_range?...         -> 200 JSON
  grafana/tempo        GET <api_url>/api/search?q=...&limit=1            -> 200 JSON
  elasticsearch/*      GET <api_url>/_cluster/health                     -> 200 JSON
  victorialogs         GET <api_url>/health                              -> 200 (also VictoriaMetrics' health)
Every other path answers 404, and every request is logged on stderr.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

ANSWERS = {
    "/api/v1/query": {"status": "success", "data": {"resultType": "vector", "result": []}},
    "/-/healthy": "Prometheus Server is Healthy.\n",
    "/api/dashboards/tags": [],
    "/api/health": {"database": "ok", "version": "fake"},
    "/loki/api/v1/query_range": {"status": "success", "data": {"resultType": "streams", "result": []}},
    "/ready": "ready\n",
    "/api/search": {"traces": [], "metrics": {}},
    "/api/echo": "echo",
    "/_cluster/health": {"cluster_name": "fake", "status": "green"},
    # Last: the paths above that end in /health must match first.
    "/health": "OK",
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        answer = next((v for k, v in ANSWERS.items() if path.endswith(k)), None)
        if answer is None:
            self.send_response(404)
            self.end_headers()
            return
        body = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain" if isinstance(answer, str) else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt: str, *args) -> None:
        sys.stderr.write("fake_backends: " + (fmt % args) + "\n")


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
