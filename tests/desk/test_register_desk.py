"""The register of scanners on the desk: what needs attention, then every point and device,
for the desk's roles of the organisation only."""

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories

URL = reverse("desk:scanners")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def register_a(org_a, owner_a):
    """A gate live with everything it needs, and a camera planned with nothing: no other way
    in, no photo of its sign, no assessment of its activity."""
    gates = factories.activity(org_a, name="Annual pass entry", collection_point="North gate")
    good = factories.collection_point(gates, name="North gate", signage=True, published=True)
    factories.live_device(good, owner_a, serial="GATE-1")
    cameras = factories.activity(org_a, name="Visitor capture", collection_point="Sales office")
    bare = factories.collection_point(cameras, name="Sales office entrance", place_kind="sales_office",
                                      alternatives=())
    factories.device(bare, serial="CAM-1", kind="camera")
    return good, bare


def test_the_desk_lists_what_needs_attention_and_every_device(register_a, officer_a):
    page = signed_in(officer_a).get(URL)

    assert page.status_code == 200
    flags = [flag.code for flag in page.context["flags"]]
    assert sorted(flags) == ["no_alternative", "no_current_assessment", "no_signage_photo"]
    html = page.content.decode()
    assert html.count('data-flag="') == 3 and "CAM-1" in html and "GATE-1" in html
    good, _bare = register_a
    assert reverse("public:register_sign", args=[good.organisation.slug, good.public_id]) in html
    assert "Sales office entrance" in html and "not on the public register" in html
    assert "another way in, a photo of the sign, a current assessment" in html


def test_nothing_needs_attention_when_every_device_is_in_order(org_a, owner_a, officer_a):
    gates = factories.activity(org_a, name="Annual pass entry", collection_point="North gate")
    factories.live_device(factories.collection_point(gates, signage=True), owner_a, serial="GATE-1")

    page = signed_in(officer_a).get(URL)

    assert page.context["flags"] == [] and 'id="register-flags-none"' in page.content.decode()


def test_the_page_speaks_chinese_to_a_chinese_reader(register_a, officer_a):
    page = signed_in(officer_a).get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans")

    html = page.content.decode()
    assert "需要处理" in html and "采集点" in html


def test_an_auditor_reads_it_a_system_owner_and_another_organisation_do_not(register_a, auditor_a,
                                                                            system_owner_a, officer_b):
    assert signed_in(auditor_a).get(URL).status_code == 200
    assert signed_in(system_owner_a).get(URL).status_code == 404

    other = signed_in(officer_b).get(URL)
    assert other.status_code == 200
    html = other.content.decode()
    assert other.context["flags"] == [] and "CAM-1" not in html and "GATE-1" not in html


def test_the_dashboard_links_to_it(register_a, officer_a):
    assert f'href="{URL}"' in signed_in(officer_a).get(reverse("desk:dashboard")).content.decode()
