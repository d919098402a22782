"""The DRP's cast: Golden Gate Fitness (US-CA) and another business, a registered agent
(the test agent's key, both businesses, callbacks to a local receiver), and an outsider agent."""

import pytest

from requests_app.models import DrpAgent
from tests import factories
from tests.drp.agent import Agent
from tests.requests_app.test_fulfilment_webhook import ExternalSystem

AGENT_ID = "CONSUMER_AGENT"


@pytest.fixture
def ggf(db):
    return factories.organisation(name="Golden Gate Fitness", slug="golden-gate-fitness", jurisdiction="US-CA",
                                  time_zone="America/Los_Angeles")


@pytest.fixture
def other_business(db):
    return factories.organisation(name="Mission Climbing", slug="mission-climbing", jurisdiction="US-CA",
                                  time_zone="America/Los_Angeles")


@pytest.fixture
def receiver():
    server = ExternalSystem()
    server.status = 200
    yield server
    server.close()


def register(agent: Agent, *orgs, prefixes: str = "http://127.0.0.1:") -> DrpAgent:
    row = DrpAgent.objects.create(agent_id=agent.agent_id, name=f"{agent.agent_id} app", verify_key=agent.verify_key,
                                  contact_email="drp@agent.example", callback_prefixes=prefixes)
    row.organisations.set(orgs)
    return row


@pytest.fixture
def agent(ggf, other_business):
    test_agent = Agent(AGENT_ID, ggf.slug)
    register(test_agent, ggf, other_business)
    return test_agent


@pytest.fixture
def paired(agent, client):
    """The agent after its pair-wise key setup with Golden Gate Fitness."""
    assert agent.register(client).status_code == 200
    return agent


@pytest.fixture
def outsider(ggf):
    other = Agent("OTHER_AGENT", ggf.slug)
    register(other, ggf)
    return other
