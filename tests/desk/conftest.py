"""Fixtures of the officer-desk suite: a signed-in client per named actor."""

import pytest


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def signed_in(client):
    """`signed_in(user)`: the test client, signed in as `user` (no second factor: not an owner)."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def officer_client(signed_in, officer_a):
    return signed_in(officer_a)
