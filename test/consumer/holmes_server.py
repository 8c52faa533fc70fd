#!/usr/bin/env python3
"""A long-running HolmesGPT consumer: HolmesGPT's own config, toolset loading and admin reload API, no model.

Usage: holmes_server.py [TOOLSET_PATH PORT]

With no arguments it starts the way HolmesGPT's image starts its server (`python3 -u server.py` in its chart; the
e2e image names this file server.py): the toolset file from CUSTOM_TOOLSET_LOCATION (default
/etc/holmes/config/custom_toolset.yaml, holmes.utils.definitions), port 5050, host 0.0.0.0.

The holmesgpt 0.45.0 wheel ships no server.py (the HTTP server lives in HolmesGPT's repository and image, not in
the package), so this process assembles what that server does at start-up and on a reload from the wheel's parts:

    Config.load_from_env()                      the toolset file from CUSTOM_TOOLSET_LOCATION, as in-cluster
    config.create_server_tool_executor(dal)     the server's cached executor (prerequisite checks run here)
    holmes.admin.admin_api.init_admin_app(app, config, dal), only with ENABLE_ADMIN_API=true (as the server)
        POST /api/admin/reload/toolsets         config.reload_toolsets() + a new server executor (admin_api.py)
    GET /api/info[?detail=full]                 the server's info route (added to HolmesGPT's server in July 2026,
                                                before 0.45.0): with detail=full, toolsets[] of
                                                {name, enabled, status, type, error, tool_count}

and, when HOLMES_API_KEY is set, the server's API-key check (HolmesGPT's server.py at its repository's commit
20c62adb: every path but holmes.utils.auth.AUTH_EXEMPT_PATHS needs the key that holmes.utils.auth.extract_api_key
finds in X-API-Key or "Authorization: Bearer", else 401 {"detail": "Invalid or missing API key"}), and adds one
read-only route for tests, which the key does not guard:

    GET /toolsets   {"pid": N, "toolsets": {"<name>": "enabled|failed|disabled"}}  (the file's, and any non-built-in)
    POST /invoke    {"toolset": "<name>", "params": {...}} -> {"status", "error", "data"}: the toolset's first tool,
                    run by HolmesGPT's own code in this process exactly as a model's tool call would run it (the
                    end-to-end suite replays a tenant's tricks from HolmesGPT's pod with it)

With arguments it listens on 127.0.0.1, or on HOLMES_SERVER_HOST when set. Run it locally with the venv python from
tools/holmesgpt/setup.sh. The environment is isolated the way load_toolsets.py isolates it (no ~/.holmes, no Robusta
platform, no model download).
"""

import os
import sys

from load_toolsets import _isolate_environment, _names_in_file


def main() -> int:
    if len(sys.argv) == 3:
        path, port, host = os.path.abspath(sys.argv[1]), int(sys.argv[2]), os.environ.get("HOLMES_SERVER_HOST", "127.0.0.1")
    elif len(sys.argv) == 1:
        path = os.environ.get("CUSTOM_TOOLSET_LOCATION", "/etc/holmes/config/custom_toolset.yaml")
        port, host = 5050, os.environ.get("HOLMES_SERVER_HOST", "0.0.0.0")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    import tempfile

    _isolate_environment(path, tempfile.mkdtemp(prefix="holmes-server-"))

    import uvicorn
    from fastapi import FastAPI

    from holmes.admin.admin_api import init_admin_app
    from holmes.config import Config

    config = Config.load_from_env()
    app = FastAPI()
    if os.environ.get("ENABLE_ADMIN_API", "false").lower() == "true":
        init_admin_app(app, config, config.dal)

    api_key = os.environ.get("HOLMES_API_KEY", "").strip()
    if api_key:
        import hmac

        from fastapi import Request
        from fastapi.responses import JSONResponse
        from holmes.utils.auth import AUTH_EXEMPT_PATHS, extract_api_key

        @app.middleware("http")
        async def require_api_key(request: Request, call_next):
            path = request.scope["path"]
            if path in AUTH_EXEMPT_PATHS or path == "/toolsets":
                return await call_next(request)
            if not hmac.compare_digest(extract_api_key(request).encode(), api_key.encode()):
                return JSONResponse(status_code=401, content={"detail": "Invalid or missing API key"})
            return await call_next(request)

    @app.get("/api/info")
    def info(detail: str = "") -> dict:
        executor = config.create_server_tool_executor(config.dal)
        statuses = [t.status.value for t in executor.toolsets]
        answer = {
            "toolsets_summary": {
                "total": len(statuses), "enabled": statuses.count("enabled"),
                "failed": statuses.count("failed"), "disabled": statuses.count("disabled"),
            },
        }
        if detail == "full":
            answer["toolsets"] = [
                {
                    "name": t.name, "enabled": t.enabled, "status": t.status.value,
                    "type": t.type.value if t.type is not None else None, "error": t.error, "tool_count": len(t.tools),
                }
                for t in executor.toolsets
            ]
        return answer

    @app.post("/invoke")
    def invoke(call: dict) -> dict:
        from holmes.core.tools import ToolInvokeContext

        executor = config.create_server_tool_executor(config.dal)
        toolset = next((t for t in executor.enabled_toolsets if t.name == call.get("toolset")), None)
        if toolset is None or not toolset.tools:
            return {"status": "missing", "error": f"no enabled toolset {call.get('toolset')!r}", "data": None}
        tool = toolset.tools[0]
        context = ToolInvokeContext.model_construct(
            llm=None, max_token_count=100_000, tool_call_id="e2e", tool_name=tool.name, user_approved=True,
        )
        result = tool.invoke(dict(call.get("params") or {}), context)
        data = result.data if isinstance(result.data, str) else str(result.data)
        return {"status": result.status.value, "error": result.error, "data": data[:500] if data else None}

    @app.get("/toolsets")
    def toolsets() -> dict:
        # The server's cached executor: the one the admin reload replaces, and the one a chat request would use.
        executor = config.create_server_tool_executor(config.dal)
        names, _ = _names_in_file(path)
        # The file's entries, and any other toolset that is not a built-in (one a reload failed to drop).
        kept = [t for t in executor.toolsets if t.name in names or (t.type is not None and t.type.value != "built-in")]
        return {"pid": os.getpid(), "toolsets": {t.name: t.status.value for t in kept}}

    config.create_server_tool_executor(config.dal)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
