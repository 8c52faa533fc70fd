#!/usr/bin/env python3
"""Load a HolmesGPT custom toolset file with HolmesGPT's own loader and print what it made of it.

Usage: load_toolsets.py PATH [--prereq-timeout SECONDS] [--invoke CALLS.json] [--sequence FILES.json]

Run it with the venv python from tools/holmesgpt/setup.sh. It takes the path the in-cluster HolmesGPT
server takes for /etc/holmes/config/custom_toolset.yaml:

    CUSTOM_TOOLSET_LOCATION=PATH        (holmes/utils/definitions.py, read at import)
    Config.load_from_env()              (holmes/config.py; server.py's init_config when no config.yaml)
    config.create_server_tool_executor(config.dal)
      -> ToolsetManager.prepare_toolsets(tags=[core, cluster], enable_all_toolsets_possible=False,
                                         prerequisite_cache=DISABLED)
      -> ToolsetManager._list_all_toolsets(check_prerequisites=True)   (holmes/core/toolset_manager.py)

so built-ins are off unless the file says `enabled: true`, other names become custom toolsets, and every
enabled toolset's prerequisite checks run (HTTP calls to the URLs in the file). No model is ever called:
MODEL is set to a dummy only so that Config does not try to load Robusta's hosted model list, and litellm is
told to use its bundled price map instead of downloading one.

Prints ONE JSON object on stdout (everything else, HolmesGPT's logs included, goes to stderr):

    {"holmesgpt_version": "0.45.0",
     "toolsets": {"<name>": {"status": "enabled|failed|disabled|not_loaded", "error": str|null,
                             "type": "built-in|custom|mcp|http|database|mongodb"|null,
                             "tools": [names the model would see, only when enabled]}},
     "invalid": ["<name>: <HolmesGPT's log message>"],
     "warnings": ["every WARNING/ERROR log line HolmesGPT wrote"],
     "load_error": null | "why the whole file was rejected",
     "invocations": [{"tool", "params", "status": "success|error|no_data|not_found", "error", "data"}]}

--sequence loads several files one after the other in this one process (HolmesGPT's import is most of a load's
time): each file of the JSON list is copied to PATH, which HolmesGPT reads, and loaded afresh (new Config, new
ToolsetManager). It prints {"results": [<one object as above, plus "file">, ...]} and exits at once, without
waiting for the checks HolmesGPT abandoned at its prerequisite deadline (a hanging target keeps its thread).

--invoke runs tool calls after the load, as the model would ask for them: a JSON list of {"tool": name,
"params": {...}}. Each goes to the enabled tool of that name through the tool's own _invoke (HolmesGPT's code:
allow-list matching, the request, redirects); the approval and context-window wrappers around it need a model
and are left out. The calls reach whatever the file's endpoints name, so tests point them at loopback servers.

Only the toolsets the file names are reported (built-in overrides included). `status: not_loaded` means
HolmesGPT dropped the entry before the status check (a removed toolset name, or tags other than core/cluster).
Exit status 0 whenever the JSON was printed, 2 on bad usage.
"""

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile


def _isolate_environment(toolset_path: str, scratch: str) -> None:
    """Environment for a hermetic, offline, LLM-free load. Must run before anything imports holmes or litellm."""
    os.environ["CUSTOM_TOOLSET_LOCATION"] = toolset_path
    # Config requires no model, but without MODEL it would try to configure Robusta's hosted models.
    os.environ["MODEL"] = "openai/kubernaut-consumer-test-no-llm-call"
    os.environ.pop("OPENAI_API_KEY", None)
    os.environ["ROBUSTA_AI"] = "false"
    # litellm downloads a model price list at import unless told to use the bundled copy.
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    os.environ["ENABLE_TELEMETRY"] = "false"
    # No ~/.holmes: no config.yaml (which would switch the server to load_from_file), no status cache,
    # no model_list.yaml, no Robusta platform config or store credentials.
    os.environ["HOLMES_CONFIGPATH_DIR"] = os.path.join(scratch, "holmes")
    os.environ["MODEL_LIST_FILE_LOCATION"] = os.path.join(scratch, "absent-model_list.yaml")
    os.environ["ROBUSTA_CONFIG_PATH"] = os.path.join(scratch, "absent-active_playbooks.yaml")
    for var in ("STORE_URL", "STORE_API_KEY", "STORE_EMAIL", "STORE_PASSWORD", "ROBUSTA_ACCOUNT_ID"):
        os.environ.pop(var, None)


class _Capture(logging.Handler):
    """Keeps every log record (HolmesGPT logs through the root logger and a few named ones)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _message(record: logging.LogRecord) -> str:
    try:
        text = record.getMessage()
    except Exception:  # a malformed log call must not lose the report
        text = str(record.msg)
    if record.exc_info and record.exc_info[1] is not None:
        text += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
    return text


def _names_in_file(path: str) -> tuple[list[str], dict]:
    """The toolset names the file defines, parsed the way HolmesGPT parses it (python-benedict)."""
    from benedict import benedict

    parsed = benedict(path)
    entries: dict = {}
    toolsets = parsed.get("toolsets", {})
    mcp = parsed.get("mcp_servers", {})
    for source in (toolsets, mcp):
        if isinstance(source, dict):
            entries.update(source)
    return list(entries.keys()), entries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", help="custom toolset file (top-level `toolsets:` map)")
    parser.add_argument(
        "--prereq-timeout",
        type=float,
        default=None,
        help="seconds per prerequisite batch (HOLMES_TOOLSET_PREREQ_TIMEOUT_SECONDS, HolmesGPT default 20)",
    )
    parser.add_argument("--invoke", default=None, help="JSON file with tool calls to run after the load")
    parser.add_argument("--sequence", default=None, help="JSON list of files to load one after the other through PATH")
    args = parser.parse_args()
    path = os.path.abspath(args.path)
    sequence = None
    if args.sequence is not None:
        with open(args.sequence, encoding="utf-8") as f:
            sequence = [os.path.abspath(p) for p in json.load(f)]
        shutil.copyfile(sequence[0], path)
    if not os.path.isfile(path):
        print(f"no such file: {path}", file=sys.stderr)
        return 2

    scratch = tempfile.mkdtemp(prefix="holmes-consumer-")
    _isolate_environment(path, scratch)
    if args.prereq_timeout is not None:
        os.environ["HOLMES_TOOLSET_PREREQ_TIMEOUT_SECONDS"] = str(args.prereq_timeout)

    # HolmesGPT and its libraries may print; only our JSON may reach stdout. Point fd 1 at stderr while they run.
    sys.stdout.flush()
    real_stdout = os.dup(1)
    os.dup2(2, 1)

    capture = _Capture()
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(capture)
    echo = logging.StreamHandler(sys.stderr)
    echo.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(echo)

    results: list[dict] = []
    try:
        from importlib.metadata import version

        for file in sequence or [path]:
            if sequence is not None:
                shutil.copyfile(file, path)
                root.removeHandler(capture)
                capture = _Capture()
                root.addHandler(capture)
            result: dict = {"holmesgpt_version": version("holmesgpt"), "toolsets": {}, "invalid": [], "warnings": [], "load_error": None, "invocations": []}
            executor = _run(path, result, capture)
            if args.invoke is not None:
                with open(args.invoke, encoding="utf-8") as f:
                    result["invocations"] = [_invoke(executor, call) for call in json.load(f)]
            if sequence is not None:
                result["file"] = file
            results.append(result)
    finally:
        sys.stdout.flush()
        os.dup2(real_stdout, 1)
        os.close(real_stdout)
        for handler in (capture, echo):
            root.removeHandler(handler)
    print(json.dumps({"results": results} if sequence is not None else results[0], indent=2, sort_keys=True))
    sys.stdout.flush()
    if sequence is not None:
        os._exit(0)
    return 0


def _invoke(executor, call: dict) -> dict:
    """One tool call the way the model makes it; the outcome as HolmesGPT reports it to the model."""
    from holmes.core.tools import ToolInvokeContext

    name, params = call["tool"], call.get("params", {})
    tool = executor.get_tool_by_name(name) if executor is not None else None
    if tool is None:
        return {"tool": name, "params": params, "status": "not_found", "error": f"no enabled tool {name}", "data": None}
    # model_construct: the fields the HTTP tool reads are request_context only; llm is required by the model but unused.
    context = ToolInvokeContext.model_construct(llm=None, max_token_count=100_000, tool_call_id="consumer-test", tool_name=name, request_context=None)
    outcome = tool._invoke(params, context)
    return {"tool": name, "params": params, "status": outcome.status.value, "error": outcome.error, "data": outcome.data}


def _run(path: str, result: dict, capture: _Capture):
    try:
        names, entries = _names_in_file(path)
    except Exception as e:  # HolmesGPT would fail the same way below; keep going to get its own message
        names, entries = [], {}
        logging.getLogger(__name__).debug("could not parse %s: %s", path, e)

    from holmes.config import Config
    from holmes.core.toolset_manager import (
        DEPRECATED_TOOLSET_NAMES,
        REMOVED_TOOLSET_NAMES,
    )

    toolsets = []
    try:
        config = Config.load_from_env()
        executor = config.create_server_tool_executor(config.dal)
        toolsets = executor.toolsets
    except Exception as e:
        result["load_error"] = f"{type(e).__name__}: {e}"

    by_name = {t.name: t for t in toolsets}
    builtin_names = {t.name for t in toolsets if t.type is not None and t.type.value == "built-in"}
    exposed: dict[str, list[str]] = {}
    if toolsets:
        for tool_name, ts in executor._tool_to_toolset.items():
            exposed.setdefault(ts.name, []).append(tool_name)

    report: dict = {}
    for name in names:
        effective = name
        new_name = DEPRECATED_TOOLSET_NAMES.get(name)
        if new_name is not None and new_name in builtin_names:
            effective = new_name
        t = by_name.get(effective)
        if t is None:
            if result["load_error"] is not None:
                continue
            if name in REMOVED_TOOLSET_NAMES:
                reason = "HolmesGPT no longer has this toolset and ignores the entry"
            else:
                tags = entries.get(name, {}).get("tags") if isinstance(entries.get(name), dict) else None
                reason = f"dropped before the status check (tags {tags!r} match neither core nor cluster?)"
            report[name] = {"status": "not_loaded", "error": reason, "type": None, "tools": []}
            continue
        entry = {
            "status": t.status.value,
            "error": t.error,
            "type": t.type.value if t.type is not None else None,
            "tools": sorted(exposed.get(t.name, [])),
        }
        if effective != name:
            entry["renamed_to"] = effective
        report[name] = entry
    result["toolsets"] = report
    _collect_warnings(result, capture)
    return executor if toolsets else None


def _collect_warnings(result: dict, capture: _Capture) -> None:
    for record in capture.records:
        if record.levelno < logging.WARNING:
            continue
        text = _message(record)
        result["warnings"].append(text)
        if text.startswith("Toolset '") and "' is invalid:" in text:
            name = text[len("Toolset '"):text.index("' is invalid:")]
            result["invalid"].append(f"{name}: {text}")
        elif text.startswith("Failed to load toolset: "):
            name = text[len("Failed to load toolset: "):].split(" (")[0]
            result["invalid"].append(f"{name}: {text}")


if __name__ == "__main__":
    sys.exit(main())
