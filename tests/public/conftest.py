"""Fixtures of the public-pages suite: uploaded files in a temporary folder, and the
messages a page published to the real broker."""

import pytest
import time_machine
from django.utils import timezone

from tests import factories
from tests.factories import own_queue  # noqa: F401 (fixture)
from tests.workers import celery_queue  # noqa: F401 (fixture)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def still_clock():
    """django-ratelimit counts in fixed windows: a test that counts up to a limit holds the
    clock still, so that no window can end halfway through it."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def published(own_queue):
    """What the page published to the real broker, on a queue of this test's own:
    `(name, args) in published` looks at the messages waiting there, and `run(name)`
    runs those tasks here, as a worker would."""

    class Published:
        def __contains__(self, item) -> bool:
            return item in [(name, tuple(args)) for name, args in factories.queued_tasks(own_queue)]

        def run(self, name: str) -> int:
            from config.celery import app

            ran = 0
            for task_name, args in factories.queued_tasks(own_queue):
                if task_name == name:
                    app.tasks[task_name](*args)
                    ran += 1
            return ran

    return Published()


@pytest.fixture
def park(db):
    """The Hangzhou park of the reference case, with an officer and a second one for appeals."""
    org = factories.organisation(
        name="Hangzhou Safari Park", slug="hangzhou-safari-park", jurisdiction="CN", city="Hangzhou", kind="park"
    )
    return org


@pytest.fixture
def park_officer(park):
    return factories.member(park, "officer", username="park_officer")


@pytest.fixture
def park_second_officer(park):
    return factories.member(park, "officer", username="park_officer_2")
