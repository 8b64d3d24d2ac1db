"""Train the reference scikit-learn pipeline (and the richer weather variant), and register it.

python -m shared.model [--spec reference|weather]    # train and register, once (notebook 00 does it too)
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from shared import features
from shared.data import TARGET
from shared.i18n import _
from shared.paths import FLIGHTS_FILE

if TYPE_CHECKING:
    from shared.registry import ModelVersion, Registry

SPECS = ("reference", "weather")
"""``reference``: schedule, route and carrier. ``weather``: plus the origin's weather at departure."""
SEED = 0


def build_pipeline(spec: str = "reference", seed: int = SEED) -> Pipeline:
    """The untrained pipeline: one-hot categories and calendar, scaled numbers, logistic regression."""
    if spec not in SPECS:
        raise ValueError(f"unknown model spec {spec!r}; expected one of {SPECS}")
    transformers = [
        ("category", OneHotEncoder(handle_unknown="ignore"), features.CATEGORICAL),
        ("calendar", OneHotEncoder(handle_unknown="ignore"), features.CALENDAR),
        ("numeric", StandardScaler(), features.NUMERIC),
    ]
    if spec == "weather":
        transformers.append(
            ("weather", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), features.WEATHER)
        )
    return Pipeline(
        [
            ("prepare", ColumnTransformer(transformers, sparse_threshold=0)),
            ("classify", LogisticRegression(C=1.0, max_iter=1000, random_state=seed)),
        ]
    )


def train(flights: pd.DataFrame, spec: str = "reference", seed: int = SEED) -> Pipeline:
    """Fit the pipeline of ``spec`` on ``flights`` (deterministic for a given seed)."""
    pipeline = build_pipeline(spec, seed)
    pipeline.fit(features.frame_features(flights, spec), flights[TARGET].to_numpy())
    return pipeline


def predict_proba(pipeline: Pipeline, flights: pd.DataFrame, spec: str = "reference") -> pd.Series:
    """Probability of arriving 15+ minutes late for each flight, through the idiomatic pipeline."""
    proba = pipeline.predict_proba(features.frame_features(flights, spec))[:, 1]
    return pd.Series(proba, index=flights.index, name="p_late")


def register(
    pipeline: Pipeline,
    spec: str,
    train_flights: pd.DataFrame,
    test_flights: pd.DataFrame,
    registry: Registry | None = None,
) -> ModelVersion:
    """Evaluate ``pipeline`` on ``test_flights`` and save it (with its ONNX export) as a new version."""
    from shared import onnx_export
    from shared.evaluate import classification_metrics
    from shared.files import file_sha256
    from shared.registry import Registry
    from shared.schema import input_schema

    registry = registry or Registry()
    encoder = pipeline.named_steps["prepare"].named_transformers_["category"]
    categories = {
        column: [str(v) for v in values]
        for column, values in zip(features.CATEGORICAL, encoder.categories_, strict=True)
    }
    training_data = {
        "file": "data/flights.parquet",
        "sha256": file_sha256(FLIGHTS_FILE),
        "train": [str(train_flights["sched_dep"].min()), str(train_flights["sched_dep"].max())],
        "train_rows": int(len(train_flights)),
        "test": [str(test_flights["sched_dep"].min()), str(test_flights["sched_dep"].max())],
    }
    return registry.save(
        pipeline,
        spec=spec,
        metrics=classification_metrics(test_flights[TARGET], predict_proba(pipeline, test_flights, spec)),
        training_data=training_data,
        input_schema=input_schema(spec, categories),
        onnx_model=onnx_export.export(pipeline, spec),
    )


@lru_cache(maxsize=4)
def _fitted(spec: str, data_sha256: str, sklearn_version: str) -> Pipeline:
    """``spec`` trained on the standard split, once per process: training is deterministic, so a second
    registry (a test's, a notebook's private one) stores the same fitted pipeline without training again."""
    from shared.data import load_flights, split_by_time

    return train(split_by_time(load_flights())[0], spec)


def ensure_model(
    spec: str = "reference", registry: Registry | None = None, verbose: bool = True, trained: Pipeline | None = None
) -> ModelVersion:
    """The registry's version of ``spec`` for today's data and scikit-learn, trained and saved if missing.

    Lets every notebook run on its own: the first call trains (a few seconds), later calls only read.
    ``trained`` is a pipeline already fitted on the standard split, to save instead of training again.
    The first model registered also becomes ``production``.
    """
    import fcntl

    import sklearn

    from shared.data import load_flights, split_by_time
    from shared.files import file_sha256
    from shared.registry import Registry

    registry = registry or Registry()
    registry.root.mkdir(parents=True, exist_ok=True)
    with open(registry.root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two notebooks starting at once train only once
        data_sha = file_sha256(FLIGHTS_FILE)
        for version in reversed(registry.versions()):
            entry = registry.get(version)
            manifest = entry.manifest
            if (manifest["spec"], manifest["sklearn"], manifest["training_data"]["sha256"]) == (
                spec,
                sklearn.__version__,
                data_sha,
            ):
                break
        else:
            if verbose and trained is None:
                print(_("Training the {spec!r} model (once; later runs reuse it)…", spec=spec), flush=True)
            past, future = split_by_time(load_flights())
            pipeline = trained if trained is not None else _fitted(spec, data_sha, sklearn.__version__)
            entry = register(pipeline, spec, past, future, registry)
            if verbose:
                print(
                    _("Saved as version {version} in {root}", version=entry.version, root=str(registry.root)),
                    flush=True,
                )
        if "production" not in registry.aliases():
            registry.set_alias("production", entry.version)
    return entry


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: train and register a model spec unless the registry already holds it."""
    parser = argparse.ArgumentParser(prog="python -m shared.model", description=__doc__.splitlines()[0])
    parser.add_argument("--spec", choices=SPECS, default="reference", help="which model (default: reference)")
    entry = ensure_model(parser.parse_args(argv).spec)
    print(f"{entry.name} v{entry.version} ({entry.spec}) is in the registry at {entry.path.parents[2]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
