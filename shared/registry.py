"""A small versioned model store on disk.

Layout under the registry root (``shared.paths.models_dir()``)::

    <name>/versions/<n>/manifest.json   version, spec, created, library versions, data, metrics, schema,
                                        and the sha256 of every artifact
    <name>/versions/<n>/model.joblib    the fitted scikit-learn pipeline (pickle: trusted input only)
    <name>/versions/<n>/model.onnx      the same pipeline as an ONNX graph (no code runs on load)
    <name>/aliases/<alias>              the version an alias points to (``production``), replaced atomically

A version is written into a temporary folder and renamed into place, so a reader sees all of it or
nothing. Loading checks the artifact's hash before unpickling it and refuses a pickle written by another
scikit-learn version.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy
import sklearn

from shared.files import atomic_write
from shared.paths import models_dir

DEFAULT_MODEL = "flight-delay"
PIPELINE_FILE = "model.joblib"
ONNX_FILE = "model.onnx"


class RegistryError(Exception):
    """Base class of every registry error."""


class ModelNotFoundError(RegistryError, LookupError):
    """No such model, version or alias."""


NO_MODEL_HINT = "no model in the registry yet: run `python -m shared.model` (or open notebook 00), then try again"
"""What every program says on a fresh clone, when there is nothing to score with (and its readiness reason)."""
NO_MODEL_EXIT = 3
"""The exit code of every command line that stops for that reason."""


class IntegrityError(RegistryError):
    """An artifact's bytes do not match the sha256 recorded in its manifest."""


class IncompatibleVersionError(RegistryError):
    """The artifact was saved with another scikit-learn version than the one installed."""


def sha256_bytes(payload: bytes) -> str:
    """Hex sha256 of ``payload``."""
    return hashlib.sha256(payload).hexdigest()


@dataclass(frozen=True)
class ModelVersion:
    """A saved version: where it lives and what its manifest says."""

    name: str
    version: int
    path: Path
    manifest: dict[str, Any]

    @property
    def spec(self) -> str:
        return self.manifest["spec"]


class Registry:
    """Versioned models with named aliases, stored under ``root``."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else models_dir()

    def __repr__(self) -> str:
        return f"Registry({str(self.root)!r})"

    # -- writing -----------------------------------------------------------------------------
    def save(
        self,
        pipeline: Any,
        *,
        spec: str,
        metrics: dict[str, Any],
        training_data: dict[str, Any],
        input_schema: list[dict[str, Any]],
        onnx_model: bytes | None = None,
        name: str = DEFAULT_MODEL,
    ) -> ModelVersion:
        """Save ``pipeline`` (and its ONNX export) as the next version of ``name``."""
        artifacts = {PIPELINE_FILE: _dumps(pipeline)}
        if onnx_model is not None:
            artifacts[ONNX_FILE] = onnx_model
        versions_dir = self.root / name / "versions"
        versions_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=versions_dir, prefix=".staging-"))
        try:
            for filename, payload in artifacts.items():
                (staging / filename).write_bytes(payload)
            while True:
                version = max(self.versions(name), default=0) + 1
                manifest = {
                    "name": name,
                    "version": version,
                    "spec": spec,
                    "created": datetime.now(UTC).isoformat(timespec="seconds"),
                    "python": platform.python_version(),
                    "sklearn": sklearn.__version__,
                    "numpy": numpy.__version__,
                    "training_data": training_data,
                    "metrics": metrics,
                    "input_schema": input_schema,
                    "artifacts": {filename: sha256_bytes(payload) for filename, payload in artifacts.items()},
                }
                (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
                try:
                    os.rename(staging, versions_dir / str(version))  # fails if another writer took it
                    break
                except OSError:
                    if not (versions_dir / str(version)).exists():
                        raise
        except BaseException:
            for leftover in staging.glob("*"):
                leftover.unlink()
            if staging.exists():
                staging.rmdir()
            raise
        return self.get(version, name=name)

    def copy_to(self, destination: str | Path) -> Registry:
        """A copy of this registry (every version and alias) in ``destination``, to change without touching this one."""
        shutil.copytree(self.root, destination, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".lock"))
        return Registry(destination)

    def set_alias(self, alias: str, version: int, name: str = DEFAULT_MODEL) -> None:
        """Point ``alias`` at ``version``, atomically: readers see the old or the new, never neither."""
        self.get(version, name=name)  # the version must exist
        aliases = self.root / name / "aliases"
        aliases.mkdir(parents=True, exist_ok=True)
        atomic_write(aliases / alias, f"{version}\n".encode())

    # -- reading -----------------------------------------------------------------------------
    def versions(self, name: str = DEFAULT_MODEL) -> list[int]:
        """Every saved version of ``name``, oldest first."""
        folder = self.root / name / "versions"
        if not folder.is_dir():
            return []
        return sorted(int(entry.name) for entry in folder.iterdir() if entry.name.isdigit())

    def aliases(self, name: str = DEFAULT_MODEL) -> dict[str, int]:
        """Every alias of ``name`` and the version it points to."""
        folder = self.root / name / "aliases"
        if not folder.is_dir():
            return {}
        return {entry.name: int(entry.read_text()) for entry in folder.iterdir() if not entry.name.startswith(".")}

    def resolve(self, ref: int | str = "production", name: str = DEFAULT_MODEL) -> int:
        """The version number behind ``ref``: a version number, or an alias."""
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            return int(ref)
        alias = self.root / name / "aliases" / ref
        if not alias.is_file():
            raise ModelNotFoundError(f"model {name!r} has no alias {ref!r} in {self.root}")
        return int(alias.read_text())

    def get(self, ref: int | str = "production", name: str = DEFAULT_MODEL) -> ModelVersion:
        """The manifest of one version (by number or alias)."""
        version = self.resolve(ref, name)
        path = self.root / name / "versions" / str(version)
        manifest_file = path / "manifest.json"
        if not manifest_file.is_file():
            raise ModelNotFoundError(f"model {name!r} has no version {version} in {self.root}")
        return ModelVersion(name, version, path, json.loads(manifest_file.read_text()))

    def read_artifact(self, ref: int | str, filename: str, name: str = DEFAULT_MODEL) -> tuple[ModelVersion, bytes]:
        """An artifact's bytes, after checking them against the manifest's sha256."""
        entry = self.get(ref, name)
        expected = entry.manifest["artifacts"].get(filename)
        if expected is None:
            raise ModelNotFoundError(f"{name} v{entry.version} has no artifact {filename!r}")
        payload = (entry.path / filename).read_bytes()
        actual = sha256_bytes(payload)
        if actual != expected:
            raise IntegrityError(
                f"{name} v{entry.version}/{filename}: sha256 {actual[:12]}… does not match the manifest's "
                f"{expected[:12]}…; the file was changed after it was saved. Refusing to load it."
            )
        return entry, payload

    def load_pipeline(self, ref: int | str = "production", name: str = DEFAULT_MODEL) -> tuple[ModelVersion, Any]:
        """The fitted pipeline of one version: hash verified, scikit-learn version checked, then unpickled."""
        entry, payload = self.read_artifact(ref, PIPELINE_FILE, name)
        saved_with = entry.manifest["sklearn"]
        if saved_with != sklearn.__version__:
            raise IncompatibleVersionError(
                f"{name} v{entry.version} was saved with scikit-learn {saved_with}, but {sklearn.__version__} "
                "is installed (a new environment, another Python, or an upgrade?); a pickle is only safe with "
                f"the version that wrote it. Retrain: remove {self.root} (`make clean` removes models/) and "
                f"re-run; the notebooks retrain in seconds. Or install scikit-learn=={saved_with}, or load "
                "the ONNX artifact instead."
            )
        return entry, joblib.load(io.BytesIO(payload))


def _dumps(pipeline: Any) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer)
    return buffer.getvalue()
