"""The demo's agent for Golden Gate Fitness (its key in var/demo-drp-agent.json, mode 0600)
and the CLI agent, bench/drp_agent.py, registering, filing, following and revoking against
a live server."""

import json
import stat
import subprocess
import sys

import pytest

from requests_app.demo import drp_agent
from requests_app.models import DrpAgent, RightsRequest
from tests import factories
from tests.workers import ROOT


@pytest.fixture
def ggf_demo(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    org = factories.organisation(name="Golden Gate Fitness", slug="golden-gate-fitness", jurisdiction="US-CA",
                                 time_zone="America/Los_Angeles")
    return org, drp_agent.enrol(org)


def test_the_demo_agent_is_registered_for_golden_gate_and_its_key_kept_private(ggf_demo):
    org, agent = ggf_demo
    path = drp_agent.agent_file()

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert saved["agent_id"] == agent.agent_id == drp_agent.AGENT_ID and saved["business_id"] == org.slug
    assert list(agent.organisations.all()) == [org]
    drp_agent.enrol(org)  # a second run: a fresh key, still one agent
    assert DrpAgent.objects.count() == 1 and json.loads(path.read_text())["signing_key"] != saved["signing_key"]


def _cli(config, live_server, *args) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "bench/drp_agent.py", "--config", str(config), "--base", live_server.url,
                           *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout


@pytest.mark.django_db(transaction=True)
def test_the_cli_agent_registers_files_follows_and_revokes(ggf_demo, live_server):
    config = drp_agent.agent_file()

    assert _cli(config, live_server, "register")[0] == 0
    assert "token" in json.loads(config.read_text())
    code, out = _cli(config, live_server, "file", "--exercise", "deletion", "--name", "Riley Ng",
                     "--email", "riley.ng@example.com")
    assert code == 0, out
    request_id = json.loads(out.splitlines()[1])["request_id"]
    assert json.loads(_cli(config, live_server, "status", request_id)[1].splitlines()[1])["status"] == "open"
    code, out = _cli(config, live_server, "revoke", request_id, "--reason", "Changed my mind")
    assert code == 0 and json.loads(out.splitlines()[1])["status"] == "revoked"
    assert RightsRequest.objects.get().status == RightsRequest.Status.WITHDRAWN
    assert _cli(config, live_server, "status", "c789ff35-7644-4ceb-9981-4b35c264aac3")[0] == 1
