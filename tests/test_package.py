"""The shared package's docstring is its table of contents."""

from __future__ import annotations

from pathlib import Path

import shared


def test_the_package_docstring_lists_every_module():
    modules = {path.stem for path in Path(shared.__file__).parent.glob("*.py") if path.stem != "__init__"}
    listed = {module for module in modules if f"``{module}``" in shared.__doc__}
    assert listed == modules, f"not in shared/__init__.py's docstring: {sorted(modules - listed)}"
