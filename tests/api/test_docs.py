"""The interactive API docs work on a closed network: nothing is fetched from elsewhere."""

import re

import pytest


@pytest.mark.django_db
def test_the_api_docs_load_their_scripts_and_styles_from_this_site(client):
    response = client.get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "swagger-ui" in html
    assert not re.search(r"""(src|href)\s*=\s*["']https?://""", html), "the docs page loads from another site"
    assert client.get("/api/schema/").status_code == 200
