#!/usr/bin/env python3
"""Parse and validate many HolmesGPT custom toolset files in one process, with HolmesGPT's own file loader.

Usage: load_many.py LIST_FILE    (a JSON array of paths)

Run it with the venv python from tools/holmesgpt/setup.sh. For each file it takes the part of the server's loading
path that reads a custom toolset file (holmes/core/toolset_manager.py `_load_toolsets_from_paths`: benedict parse,
`{{ env.NAME }}` substitution, the pydantic models of every entry, built-in overrides merged onto the built-ins),
without the prerequisite checks (no network) and without importing HolmesGPT once per file, which takes seconds.
load_toolsets.py runs the whole server path for one file.

Prints ONE JSON array on stdout, one object per file in order:
    {"path": str, "load_error": null | str, "toolsets": {name: status}, "invalid": [{"name": str, "error": str}]}
"toolsets" holds every toolset HolmesGPT returned for the file, MCP servers included, each with its status.
An entry is invalid when HolmesGPT replaced it by a failed placeholder (its model did not validate).
"""

import json
import logging
import os
import sys
import tempfile


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        paths = json.load(f)

    scratch = tempfile.mkdtemp(prefix="holmes-batch-")
    os.environ["HOLMES_CONFIGPATH_DIR"] = os.path.join(scratch, "holmes")
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    os.environ["ENABLE_TELEMETRY"] = "false"
    # The admin's toolsetDefaults in the generated files refer to this variable; HolmesGPT fails an entry whose
    # reference is missing, which would hide whether the entry itself is valid.
    os.environ.setdefault("PROM_TOKEN", "batch-loader-token")

    # Only the JSON may reach stdout.
    real_stdout = os.dup(1)
    os.dup2(2, 1)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    from holmes.core.toolset_manager import ToolsetManager
    from holmes.core.tools import ToolsetStatusEnum
    from holmes.plugins.toolsets import load_builtin_toolsets

    builtin_names = [t.name for t in load_builtin_toolsets()]
    manager = ToolsetManager(toolset_status_location=os.path.join(scratch, "status.json"))
    results = []
    for path in paths:
        result = {"path": path, "load_error": None, "toolsets": {}, "invalid": []}
        try:
            loaded = manager._load_toolsets_from_paths([path], builtin_names)
            for t in loaded:
                result["toolsets"][t.name] = t.status.value
                if t.status == ToolsetStatusEnum.FAILED:
                    result["invalid"].append({"name": t.name, "error": str(t.error)})
        except Exception as e:  # the whole file rejected: what a RecursionError or a bad key does
            result["load_error"] = f"{type(e).__name__}: {e}"[:2000]
        results.append(result)

    sys.stdout.flush()
    os.dup2(real_stdout, 1)
    os.close(real_stdout)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
