"""Import a script of tools/ (not a package) by name, as it runs: with tools/ on the import path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

TOOLS = Path(__file__).resolve().parent.parent / "tools"


def import_tool(name: str) -> ModuleType:
    """``import_tool("make_diagrams")``: the module of ``tools/make_diagrams.py``."""
    if str(TOOLS) not in sys.path:
        sys.path.insert(0, str(TOOLS))  # a tool imports its neighbours (cli.py), as when it runs
    if name in sys.modules and getattr(sys.modules[name], "__file__", None) == str(TOOLS / f"{name}.py"):
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    assert spec is not None and spec.loader is not None, f"no tool {name}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module
