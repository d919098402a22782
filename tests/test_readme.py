"""The README's commands work as written: the manage.py commands on a fresh embedded
set-up, and the API example, curl for curl, against a running server with the demo's
kind of data (a park officer's token, a request in review)."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from requests_app.api.tokens import issue_token
from orgs.models import Membership
from tests import factories
from tests.factories import own_queue  # noqa: F401
from tests.workers import celery_queue  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def block_after(marker: str) -> list[str]:
    """The shell commands of the ```sh block after `<!-- marker -->`, continuation lines joined."""
    text = README.split(f"<!-- {marker} -->", 1)[1]
    body = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    return [re.sub(r"\s+#.*$", "", line).strip() for line in body.replace("\\\n", " ").splitlines() if line.strip()]


def test_the_readme_names_the_two_commands_and_what_make_run_starts():
    assert "make run" in README and "make test" in README
    procfile = (ROOT / "Procfile").read_text()
    for process in re.findall(r"^(\w+):", procfile, re.M):
        assert f"`{process}`" in README or process in ("web", "worker", "beat")


def test_the_readmes_manage_py_commands_run_on_a_fresh_embedded_set_up(tmp_path):
    commands = block_after("readme-commands")
    assert commands and all(c.startswith("DEBUG=1 .venv/bin/python manage.py ") for c in commands)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "VAR_DIR": str(tmp_path)}
    first = subprocess.run("DEBUG=1 .venv/bin/python manage.py migrate --no-input -v 0", shell=True, cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-2000:]
    for command in ["DEBUG=1 .venv/bin/python manage.py seed_demo", *commands]:
        done = subprocess.run(command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{command}\n{done.stdout[-1500:]}\n{done.stderr[-2000:]}"
        assert "Traceback" not in done.stderr, command
    holds = subprocess.run(commands[0], shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert "Audit chain holds" in holds.stdout


def test_without_debug_a_command_says_what_is_missing_not_a_traceback(tmp_path):
    done = subprocess.run(".venv/bin/python manage.py verify_audit_chain", shell=True, cwd=ROOT,
                          env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0
    assert "SECRET_KEY must be set" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.django_db(transaction=True)
def test_the_readmes_api_example_works_curl_for_curl(live_server, own_queue):  # noqa: F811
    park = factories.organisation(name="Hangzhou Wildlife World", slug="hangzhou-wildlife-world")
    officer = factories.member(park, "officer", username="park.officer")
    rr = factories.verified_request(park, kind="explanation")  # as the demo's Li Na
    _token, raw = issue_token(Membership.objects.get(user=officer, organisation=park), name="readme")
    env = {"PATH": os.environ["PATH"], "TOKEN": raw, "REF": rr.reference, "USER_ID": str(officer.pk)}
    outputs = []
    for command in block_after("readme-api"):
        assert command.startswith("curl ")
        command = command.replace("http://127.0.0.1:8000", live_server.url).replace("curl -s", "curl -sf", 1)
        done = subprocess.run(command, shell=True, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{command}: {done.stdout} {done.stderr}"
        outputs.append(done.stdout)
    assert rr.reference in outputs[0]  # the list shows the verified request
    assert '"username":"park.officer"' in outputs[1].replace(" ", "")
    rr.refresh_from_db()
    assert rr.status == "approved"
    assert '"status":"approved"' in outputs[-1].replace(" ", "")


def test_every_file_the_readme_names_is_there():
    """The map and the walk name files; a file moved or renamed is named anew. A path not
    from the repository's root is one of requests_app's parts (`workflow/review.py`)."""
    named = set(re.findall(r"`((?:[\w.-]+/)+[\w.-]+\.(?:py|html|js|css))`", README))
    assert len(named) > 20
    missing = sorted(path for path in named
                     if not (ROOT / path).exists() and not (ROOT / "requests_app" / path).exists())
    assert not missing, f"README.md names files that are not there: {missing}"
