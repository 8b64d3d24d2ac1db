"""The series-wide benchmark's bookkeeping: figures saved and read back by id, the summary, the README."""

from __future__ import annotations

import pytest

from benchmarks import series, summary
from benchmarks.figures import Figure, MissingFigure, Results
from benchmarks.summary import ARCHITECTURES

SUMMARY_FIGURES = {
    "embedded_p50_us": (15.0, "µs"),
    "embedded_pipeline_p50_us": (4300.0, "µs"),
    "embedded_speedup": (287.0, "×"),
    "embedded_restart_s": (0.4, "s"),
    "embedded_first_answer_s": (3.3, "s"),
    "embedded_memory_mb": (300.0, "MB"),
    "batch_one_at_a_time_rows_per_s": (58_000.0, "rows/s"),
    "api_p50_ms": (0.5, "ms"),
    "api_p99_ms": (0.85, "ms"),
    "api_requests_per_s": (6095.0, "req/s"),
    "api_requests_per_s_2_workers": (8300.0, "req/s"),
    "api_batch_rows_per_s": (388_000.0, "rows/s"),
    "api_failed_during_update": (0.0, "requests"),
    "api_requests_during_update": (15_295.0, "requests"),
    "api_memory_mb": (150.0, "MB"),
    "streaming_p50_us": (8.6, "µs"),
    "streaming_predictor_p50_us": (7.5, "µs"),
    "streaming_events_per_s": (67_000.0, "events/s"),
    "streaming_freshness_s": (0.26, "s"),
    "streaming_freshness_p99_s": (0.51, "s"),
    "streaming_memory_mb": (205.0, "MB"),
    "batch_rows_per_s": (1_430_000.0, "rows/s"),
    "batch_share_of_predict": (0.9, "×"),
    "batch_memory_mb": (423.0, "MB"),
}


def results(**renamed_labels: str) -> Results:
    """A run holding every figure the summary quotes (labels can be reworded by id)."""
    figures = [
        Figure(figure_id, figure_id.split("_")[0], renamed_labels.get(figure_id, f"label of {figure_id}"), value, unit)
        for figure_id, (value, unit) in SUMMARY_FIGURES.items()
    ]
    return Results.of(figures, {"cores": 2, "cpu": "test cpu", "memory_gib": 4.0, "system": "Linux", "python": "3.11"})


def test_a_saved_run_is_read_back_with_its_machine_and_summary(tmp_path):
    loaded = series.load(series.save(results(), tmp_path))
    assert loaded.value("api_p50_ms") == 0.5
    assert loaded.machine["cores"] == 2
    assert (tmp_path / "series.csv").read_text().startswith("architecture,id,label,value")
    assert "0.50 ms" in summary.summary(loaded).loc["dedicated API (02)", "one prediction, p50"]


def test_renaming_every_label_changes_nothing_downstream():
    renamed = results(**{figure_id: f"reworded {figure_id}" for figure_id in SUMMARY_FIGURES})
    assert summary.summary(renamed).equals(summary.summary(results()))
    assert summary.readme_results(renamed) == summary.readme_results(results())


@pytest.mark.parametrize("figure_id", sorted(SUMMARY_FIGURES))
def test_removing_any_figure_the_summary_quotes_fails_loudly(figure_id):
    kept = Results.of(figure for figure in results() if figure.id != figure_id)
    with pytest.raises(MissingFigure, match=figure_id):
        summary.readme_results(kept)


def test_moving_parts_are_counted_from_their_list():
    table = summary.summary(results())
    assert table.loc["streaming (03)", "moving parts"].startswith(f"{ARCHITECTURES['streaming'].parts}: the event log")
    assert [spec.parts for spec in ARCHITECTURES.values()] == [1, 2, 5, 4]


def test_the_readme_section_is_rewritten_between_its_markers(tmp_path):
    readme = tmp_path / "README.md"
    begin, end = summary.MARKERS
    readme.write_text(f"# title\n\n{begin}\nold figures\n{end}\n\nthe rest\n")
    summary.rewrite_readme(results(), readme)
    text = readme.read_text()
    assert "old figures" not in text and text.startswith("# title") and text.endswith("the rest\n")
    assert "**15 µs** in process" in text and "1.43 M flights/s" in text
    assert summary.MEMORY_NOTE in text


def test_the_committed_readme_has_a_results_section():
    text = summary.README.read_text()
    assert text.count(summary.MARKERS[0]) == text.count(summary.MARKERS[1]) == 1
