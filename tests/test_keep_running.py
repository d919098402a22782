"""`make run`'s processes: one that dies is started again, with a back-off, and logged;
stopping honcho (SIGTERM to the process group) stops it and its loop for good."""

import os
import re
import signal
import subprocess
import time
from pathlib import Path

from tests.workers import AS_DEPLOYED, wait_for

ROOT = Path(__file__).resolve().parent.parent
KEEP_RUNNING = str(ROOT / "config" / "keep-running")


def _start(tmp_path, command: str) -> subprocess.Popen:
    # As honcho starts a Procfile line: a shell in a session (a process group) of its own.
    return subprocess.Popen(
        [KEEP_RUNNING, "demo", "sh", "-c", command], cwd=tmp_path, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _stop_like_honcho(loop: subprocess.Popen) -> str:
    os.killpg(loop.pid, signal.SIGTERM)
    output, _ = loop.communicate(timeout=10)
    return output


def test_every_procfile_line_runs_under_the_restart_loop():
    lines = [line for line in (ROOT / "Procfile").read_text().splitlines() if re.match(r"^\w+:", line)]
    assert {line.split(":")[0] for line in lines} >= {"web", "worker", "beat"}
    for line in lines:
        name, command = line.split(":", 1)
        assert command.split()[:2] == ["config/keep-running", name], line


def test_a_process_that_dies_is_started_again_with_a_growing_back_off_and_logged(tmp_path):
    runs = tmp_path / "runs"
    loop = _start(tmp_path, f"date +%s.%N >> {runs}; exit 3")
    wait_for(lambda: runs.exists() and len(runs.read_text().split()) >= 3, timeout=10, message="three runs")
    output = _stop_like_honcho(loop)

    started = [float(t) for t in runs.read_text().split()]
    gaps = [b - a for a, b in zip(started, started[1:])]
    assert 0.9 < gaps[0] < 1.8 and 1.9 < gaps[1] < 2.8  # 1 s, then 2 s
    logged = re.findall(r"^keep-running\[demo\]: exited with status 3 after \d+s; restarting in (\d+)s$", output, re.M)
    assert logged[:2] == ["1", "2"]
    assert loop.returncode == 0


def test_stopping_the_runner_ends_the_process_and_does_not_restart_it(tmp_path):
    runs = tmp_path / "runs"
    loop = _start(tmp_path, f"echo run >> {runs}; exec sleep 60")
    wait_for(runs.exists, timeout=10, message="the process to start")
    begun = time.monotonic()
    output = _stop_like_honcho(loop)

    assert time.monotonic() - begun < 5
    assert loop.returncode == 0
    assert "restarting" not in output
    time.sleep(1.5)
    assert runs.read_text() == "run\n"
    assert subprocess.run(["pgrep", "-g", str(loop.pid)], capture_output=True).stdout == b""


def test_production_units_restart_always_and_are_hardened():
    deploy = ROOT / "docs" / "deploy"
    for name in ("web", "worker", "beat"):
        unit = (deploy / f"rightsdesk-{name}.service").read_text()
        for setting in ("Restart=always", "RestartSec=", "StartLimitIntervalSec=0", "NoNewPrivileges=yes",
                        "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "CapabilityBoundingSet=\n"):
            assert setting in unit, (name, setting)
        assert re.search(r"^User=rightsdesk$", unit, re.M)
    worker = (deploy / "rightsdesk-worker.service").read_text()
    procfile_worker = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("worker:"))
    # The worker the tests kill Redis under (tests/workers.py AS_DEPLOYED) is the one deployed.
    for flag in AS_DEPLOYED[1:]:
        assert flag in worker.replace("\\\n", " ") and flag in procfile_worker, flag
