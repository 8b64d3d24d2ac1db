"""Background processes: stopped, their logs kept in memory and removed from disk, their memory measured."""

from __future__ import annotations

import sys

import pytest

from shared.processes import BackgroundProcess, memory_mb, run_measured

pytestmark = pytest.mark.slow  # starts real processes

PRINT_AND_WAIT = "import time; print('ready', flush=True); time.sleep(60)"
ALLOCATE_AND_FREE = "import time; block = b'x' * 300_000_000; del block; time.sleep(0.3)"


def test_a_stopped_process_keeps_its_log_but_not_its_file():
    process = BackgroundProcess([sys.executable, "-c", PRINT_AND_WAIT]).start()
    log_file = process.log_path
    try:
        while "ready" not in process.log():
            assert process.running(), process.log()
    finally:
        process.stop()

    assert not log_file.exists()
    assert process.log().strip() == "ready"
    assert not process.running()


def test_memory_is_the_pss_of_the_process_tree():
    with BackgroundProcess([sys.executable, "-c", PRINT_AND_WAIT]) as process:
        while "ready" not in process.log():
            pass
        import psutil

        rss = psutil.Process(process.pid).memory_info().rss / 1e6
        assert 0 < memory_mb(process.pid) <= rss


def test_a_short_peak_is_not_missed():
    measured = run_measured([sys.executable, "-c", ALLOCATE_AND_FREE], poll_seconds=0.2)

    assert measured.peak_mb >= 300  # the kernel's high-water mark keeps the 300 MB block freed at once
    assert measured.seconds > 0


def test_a_failing_program_is_reported_with_its_error():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        run_measured([sys.executable, "-c", "1 / 0"])
