"""The model registry: versions, manifests, atomic aliases, and refusing what it must not load."""

from __future__ import annotations

import json

import pytest
import sklearn

from shared import model
from shared.registry import (
    ONNX_FILE,
    PIPELINE_FILE,
    IncompatibleVersionError,
    IntegrityError,
    ModelNotFoundError,
    Registry,
    sha256_bytes,
)


def _save(registry: Registry, pipeline, spec="reference"):
    return registry.save(
        pipeline,
        spec=spec,
        metrics={"roc_auc": 0.5},
        training_data={"sha256": "x"},
        input_schema=[],
        onnx_model=b"graph",
    )


@pytest.fixture(scope="module")
def pipeline(flights):
    return model.train(flights.head(5000))


def test_versions_are_numbered_and_carry_a_complete_manifest(registry, pipeline):
    first, second = _save(registry, pipeline), _save(registry, pipeline)
    assert (first.version, second.version) == (1, 2)
    assert registry.versions() == [1, 2]
    manifest = registry.get(2).manifest
    for key in ("version", "created", "python", "sklearn", "numpy", "training_data", "metrics", "input_schema"):
        assert key in manifest
    assert manifest["sklearn"] == sklearn.__version__
    for filename, digest in manifest["artifacts"].items():
        assert sha256_bytes((second.path / filename).read_bytes()) == digest


def test_alias_points_to_a_version_and_moves(registry, pipeline):
    _save(registry, pipeline), _save(registry, pipeline)
    registry.set_alias("production", 1)
    assert registry.resolve("production") == 1
    registry.set_alias("production", 2)
    assert registry.aliases() == {"production": 2}
    assert registry.get("production").version == 2


def test_alias_to_a_missing_version_is_refused(registry, pipeline):
    _save(registry, pipeline)
    with pytest.raises(ModelNotFoundError):
        registry.set_alias("production", 7)
    with pytest.raises(ModelNotFoundError):
        registry.get("staging")


def test_alias_file_is_replaced_never_rewritten_in_place(registry, pipeline):
    _save(registry, pipeline), _save(registry, pipeline)
    registry.set_alias("production", 1)
    alias_file = registry.root / "flight-delay" / "aliases" / "production"
    before = alias_file.stat().st_ino
    registry.set_alias("production", 2)
    assert alias_file.stat().st_ino != before  # a new file renamed over the old one
    assert not [p for p in alias_file.parent.iterdir() if p.name.startswith(".")]


def test_loading_round_trips_the_pipeline(registry, pipeline, flights):
    _save(registry, pipeline)
    entry, loaded = registry.load_pipeline(1)
    sample = flights.tail(100)
    assert (model.predict_proba(loaded, sample) == model.predict_proba(pipeline, sample)).all()


def test_tampered_artifact_is_refused_before_unpickling(registry, pipeline, monkeypatch):
    entry = _save(registry, pipeline)
    artifact = entry.path / PIPELINE_FILE
    artifact.write_bytes(artifact.read_bytes() + b"tampered")
    unpickled = []
    monkeypatch.setattr("shared.registry.joblib.load", lambda *args: unpickled.append(args))
    with pytest.raises(IntegrityError, match="does not match"):
        registry.load_pipeline(1)
    assert not unpickled


def test_tampered_onnx_artifact_is_refused(registry, pipeline):
    entry = _save(registry, pipeline)
    (entry.path / ONNX_FILE).write_bytes(b"other graph")
    with pytest.raises(IntegrityError):
        registry.read_artifact(1, ONNX_FILE)


def test_artifact_saved_with_another_sklearn_version_is_refused(registry, pipeline):
    entry = _save(registry, pipeline)
    manifest_file = entry.path / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["sklearn"] = "0.24.2"
    manifest_file.write_text(json.dumps(manifest))
    with pytest.raises(IncompatibleVersionError, match="0.24.2"):
        registry.load_pipeline(1)


def test_failed_save_leaves_no_version_behind(registry, pipeline, monkeypatch):
    def broken_rename(*args):
        raise OSError("disk full")

    monkeypatch.setattr("shared.registry.os.rename", broken_rename)
    with pytest.raises(OSError):
        _save(registry, pipeline)
    assert registry.versions() == []
    assert not list((registry.root / "flight-delay" / "versions").iterdir())


@pytest.mark.slow
def test_ensure_model_trains_once_then_reuses(registry):
    first = model.ensure_model("reference", registry, verbose=False)
    again = model.ensure_model("reference", registry, verbose=False)
    weather = model.ensure_model("weather", registry, verbose=False)
    assert (first.version, again.version, weather.version) == (1, 1, 2)
    assert registry.aliases() == {"production": 1}
    assert first.manifest["metrics"]["roc_auc"] > 0.6


@pytest.mark.slow
def test_training_is_deterministic(flights):
    sample = flights.head(20000)
    a, b = model.train(sample), model.train(sample)
    assert (a.named_steps["classify"].coef_ == b.named_steps["classify"].coef_).all()


def test_a_copy_moves_its_alias_without_touching_the_original(trained_registry, tmp_path):
    copy = trained_registry.copy_to(tmp_path / "copy")
    assert copy.versions() == trained_registry.versions() and copy.aliases() == trained_registry.aliases()
    version = copy.get("production")
    copy.set_alias("staging", version.version)
    assert "staging" in copy.aliases() and "staging" not in trained_registry.aliases()
