"""The notebooks' private registry: alias moves stay inside it, and it goes away at exit."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shared import teaching
from shared.registry import Registry


@pytest.fixture
def private(trained_registry, monkeypatch):
    """A private copy of the session's trained registry; the variable is restored afterwards."""
    monkeypatch.delenv(teaching.HOME_VARIABLE, raising=False)
    monkeypatch.setattr(teaching.atexit, "register", lambda *args: None)  # cleaned up by the test itself
    registry = teaching.notebook_registry("reference", source=trained_registry)
    yield registry
    teaching._discard(registry.root, None)


def test_copy_holds_the_models_and_is_what_registry_finds(private, trained_registry):
    assert private.root != trained_registry.root
    assert private.versions() == trained_registry.versions()
    assert private.aliases() == trained_registry.aliases()
    assert os.environ[teaching.HOME_VARIABLE] == str(private.root)
    assert Registry().root == private.root  # what the programs a notebook starts will read


def test_moving_an_alias_in_the_copy_leaves_the_project_registry_alone(private, trained_registry):
    before = trained_registry.aliases()
    private.set_alias("staging", private.versions()[0])
    assert "staging" in private.aliases()
    assert trained_registry.aliases() == before


def test_discard_removes_the_copy_and_restores_the_variable(trained_registry, monkeypatch):
    monkeypatch.setenv(teaching.HOME_VARIABLE, "/somewhere/else")
    monkeypatch.setattr(teaching.atexit, "register", lambda *args: None)
    registry = teaching.notebook_registry(source=trained_registry)
    assert registry.root.is_dir()
    teaching._discard(registry.root, "/somewhere/else")
    assert not registry.root.exists()
    assert os.environ[teaching.HOME_VARIABLE] == "/somewhere/else"


@pytest.mark.parametrize(
    ("microseconds", "shown"),
    [
        (2.34, "2.3 µs"),
        (23.1, "23 µs"),
        (952.4, "952 µs"),
        (1_595.0, "1.6 ms"),
        (41_200.0, "41 ms"),
        (4_120_000.0, "4.1 s"),
    ],
)
def test_duration_picks_the_unit_a_reader_expects(microseconds, shown):
    assert teaching.duration(microseconds) == shown


def test_duration_refuses_a_negative_time():
    with pytest.raises(ValueError, match="negative"):
        teaching.duration(-1.0)


def test_a_copy_left_by_a_dead_process_is_removed_and_a_live_one_kept(tmp_path):
    dead = tmp_path / f"{teaching.SCRATCH_PREFIX}dead"
    alive = tmp_path / f"{teaching.SCRATCH_PREFIX}alive"
    foreign = tmp_path / f"{teaching.SCRATCH_PREFIX}foreign"
    for folder in (dead, alive, foreign):
        folder.mkdir()
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    (dead / teaching.OWNER_FILE).write_text(str(process.pid))
    (alive / teaching.OWNER_FILE).write_text(str(os.getpid()))

    assert teaching.remove_orphans(tmp_path) == [dead]
    assert not dead.exists() and alive.exists() and foreign.exists()


class _Answer(BaseHTTPRequestHandler):
    """200 on /ok, 422 elsewhere, keep-alive: a stand-in for a model service."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        payload = b'{"p_late": 0.5}'
        self.send_response(200 if self.path == "/ok" else 422)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def stand_in():
    """The URL of a small threaded HTTP server on a free port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_crowd_counts_every_process_answers_and_percentiles(stand_in):
    result = teaching.crowd(stand_in, "/ok", b"{}", processes=2, seconds=0.3)
    assert result.processes == 2 and result.failed == 0
    assert result.requests > 0 and result.per_second > 0
    assert 0 < result.p50_us <= result.p99_us
    assert "2 client processes" in str(result)


def test_crowd_counts_refusals_as_failed(stand_in):
    result = teaching.crowd(stand_in, "/refused", b"{}", processes=1, seconds=0.2)
    assert result.requests == 0 and result.failed > 0


def test_crowd_names_an_unreachable_service():
    with socket.socket() as unused:  # a port nobody listens on
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
    with pytest.raises(ConnectionError, match="could not reach"):
        teaching.crowd(url, "/ok", b"{}", processes=1, seconds=0.1)


def test_crowd_refuses_an_empty_crowd():
    with pytest.raises(ValueError, match="at least one process"):
        teaching.crowd("http://127.0.0.1:1", "/ok", b"{}", processes=0)


def test_scratch_folder_is_marked_and_removes_a_dead_kernel_leftover(tmp_path, monkeypatch):
    monkeypatch.setattr(teaching.tempfile, "tempdir", str(tmp_path))
    left = tmp_path / "nb-scratch-left"
    left.mkdir()
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    (left / teaching.OWNER_FILE).write_text(str(process.pid))  # a kernel that is gone
    folder = teaching.scratch_folder("nb-scratch-")
    assert folder.parent == tmp_path and folder.is_dir()
    assert (folder / teaching.OWNER_FILE).read_text() == str(os.getpid())
    assert not left.exists()
    assert teaching.remove_orphans(tmp_path, prefix="nb-scratch-") == []  # ours is alive: kept
