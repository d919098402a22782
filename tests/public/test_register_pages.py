"""The public register of an organisation's collection points (issue 13, item 2; Measures for
the Application of Facial Recognition Technology, arts. 5, 8, 10, 13): exactly the public
fields of published points, nothing of unpublished ones, of another organisation or of any
person; both languages; one point's page, its printable sign and QR code; the request form
with the point chosen, which files the request about it."""

import uuid

import pytest
from django.urls import reverse

from orgs import register
from orgs.models import Device
from requests_app.cases.subjects import Identity
from requests_app.models import RightsRequest
from requests_app.public import qr
from requests_app.workflow import filing
from tests import factories
from tests.public import citizen
from tests.public.pages import page

pytestmark = pytest.mark.django_db

NOTICE = ("Hangzhou Wildlife World scans the faces of annual pass holders at this gate.\n"
          "Face data stay on the gate for the pass's year.\n"
          "Ask at the desk for a card instead.\n"
          "A FOURTH LINE the sign leaves out.")
HIDDEN_NOTICE = "Staff faces are checked against the rota at the back door."


@pytest.fixture
def zoo(db):
    return factories.organisation(name="Hangzhou Wildlife World", name_zh="杭州野生动物世界",
                                  slug="hangzhou-wildlife-world", jurisdiction="CN", kind="park")


@pytest.fixture
def activity(zoo):
    return factories.activity(zoo, name="Annual pass entry")


@pytest.fixture
def gate(activity):
    point = factories.collection_point(
        activity, name="North gate", name_zh="北门", site="Hangzhou Wildlife World, Fuyang District",
        site_zh="杭州野生动物世界（富阳区）", area="The two entry lanes of the north gate", alternatives=("card", "staff"),
        alternatives_note="Show your pass at the staff window.", notice=NOTICE,
        notice_zh="杭州野生动物世界在此闸机采集年卡持有人的人脸。\n人脸数据保存在闸机上。", signage=True, published=True)
    factories.device(point, serial="HZ-GATE-SERIAL-001", location="Lane 1 by the ticket booth")
    factories.device(point, serial="HZ-GATE-SERIAL-002", location="Lane 2")
    retired = factories.device(point, serial="HZ-CAM-RETIRED-9", kind="camera", template_storage="central")
    Device.objects.filter(pk=retired.pk).update(status=Device.Status.RETIRED, retired_at=retired.created_at)
    return point


@pytest.fixture
def back_door(activity):
    """Registered, not published."""
    return factories.collection_point(activity, name="Staff back door", name_zh="员工后门", site="Service yard",
                                      notice=HIDDEN_NOTICE, signage=True)


@pytest.fixture
def museum_point(db):
    museum = factories.organisation(name="Amsterdam Museum Pass", slug="amsterdam-museum-pass", jurisdiction="EU",
                                    time_zone="Europe/Amsterdam")
    return factories.collection_point(factories.activity(museum, name="Museum entry"), name="Foyer camera",
                                      site="Museumplein 1", notice="The museum scans faces in the foyer.",
                                      published=True)


def _url(name, point, **extra):
    return reverse(f"public:{name}", kwargs={"slug": point.organisation.slug, "public_id": point.public_id, **extra})


def _register(client, org, language="en"):
    client.cookies["django_language"] = language
    response = client.get(reverse("public:register", kwargs={"slug": org.slug}))
    assert response.status_code == 200
    return response


def _text(response) -> str:
    return page(response).find("main").text


# --- what the register shows ----------------------------------------------------------------


def test_the_register_shows_the_public_fields_of_each_published_point(client, zoo, gate):
    response = _register(client, zoo)
    text, html = _text(response), response.content.decode()

    for shown in ("North gate", "Hangzhou Wildlife World", "Hangzhou Wildlife World, Fuyang District",
                  "The two entry lanes of the north gate", "Face", "Entry with an annual pass", "Consent",
                  "365 days", "Card or pass, Check by staff", "Show your pass at the staff window.",
                  "Gate × 2; templates kept: On the device", "A FOURTH LINE the sign leaves out."):
        assert shown in text, shown
    assert _url("register_photo", gate) in html
    assert f'{citizen.form_url(zoo)}?point={gate.public_id}' in html
    assert _url("register_point", gate) in html


def test_the_register_shows_nothing_of_devices_but_kind_count_and_where_templates_are_kept(client, zoo, gate):
    html = _register(client, zoo).content.decode()

    for hidden in ("HZ-GATE-SERIAL", "Lane 1 by the ticket booth", "Lane 2", "HZ-CAM-RETIRED", "Camera",
                   "Sent to a central system"):
        assert hidden not in html, hidden


def test_the_register_shows_nothing_of_an_unpublished_point_or_another_organisation(
        client, zoo, gate, back_door, museum_point):
    html = _register(client, zoo).content.decode()

    for hidden in ("Staff back door", "Service yard", HIDDEN_NOTICE, str(back_door.public_id),
                   "Foyer camera", "Museumplein", str(museum_point.public_id)):
        assert hidden not in html, hidden


def test_the_register_shows_no_personal_data(client, zoo, activity, gate):
    record = factories.person_record(activity, email="guo.bing@example.com")
    rr = filing.submit(organisation=zoo, kind="deletion", collection_point=gate,
                       identity=Identity(email="guo.bing@example.com", full_name="Guo Bing", phone="+8613812345678"),
                       data_description="My face at the north gate")

    pages = (_register(client, zoo), client.get(_url("register_point", gate)), client.get(_url("register_sign", gate)))
    for response in pages:
        html = response.content.decode()
        for personal in ("Guo Bing", "guo.bing", record.masked_identifiers, "13812345678", rr.reference,
                         "My face at the north gate"):
            assert personal not in html, personal


def test_a_chinese_organisations_register_is_in_chinese_first(client, zoo, gate):
    response = client.get(reverse("public:register", kwargs={"slug": zoo.slug}))
    text = _text(response)

    assert page(response).find("html").get("lang") == "zh-hans" and response["Content-Language"] == "zh-hans"
    for shown in ("北门", "杭州野生动物世界（富阳区）", "人脸数据保存在闸机上。", "谁在采集", "卡片或通行证", "365 天"):
        assert shown in text, shown
    assert "North gate" not in text and "Hangzhou Wildlife World, Fuyang District" not in text


def test_the_language_switch_wins_over_the_organisations_language(client, zoo, gate):
    text = _text(_register(client, zoo, language="en"))

    assert "North gate" in text and "Who scans" in text and "北门" not in text


def test_an_organisation_outside_china_has_its_register_in_the_visitors_language(client, museum_point):
    response = client.get(reverse("public:register", kwargs={"slug": museum_point.organisation.slug}))

    assert response["Content-Language"] == "en" and "Foyer camera" in _text(response)


def test_an_empty_register_says_so(client, zoo, back_door):
    assert "no collection point on its public register" in _text(_register(client, zoo))


# --- one point, its sign and its QR code -------------------------------------------------------------


def test_a_points_page_shows_its_entry_its_qr_code_and_its_sign(client, zoo, gate):
    client.cookies["django_language"] = "en"
    response = client.get(_url("register_point", gate))
    html = response.content.decode()

    assert response.status_code == 200
    assert "North gate" in _text(response) and "Show your pass at the staff window." in html
    assert f'src="{_url("register_qr", gate)}"' in html and _url("register_sign", gate) in html


def test_the_qr_code_encodes_the_request_form_with_the_point_chosen(settings, gate):
    settings.SITE_URL = "https://rightsdesk.example/"

    assert qr.request_url(gate) == (
        f"https://rightsdesk.example/organisations/hangzhou-wildlife-world/request/?point={gate.public_id}")


def test_the_qr_code_is_an_svg_of_that_url(client, settings, gate):
    settings.SITE_URL = "https://rightsdesk.example"
    response = client.get(_url("register_qr", gate))
    body = response.content.decode()

    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert body == qr.svg(qr.request_url(gate))
    assert body.startswith("<svg") and "<path" in body and "<script" not in body
    assert qr.svg("https://rightsdesk.example/other") != body  # the code depends on the URL it carries


def test_the_sign_shows_the_name_the_notices_first_lines_and_the_qr_code(client, settings, zoo, gate):
    settings.SITE_URL = "https://rightsdesk.example"
    client.cookies["django_language"] = "en"
    response = client.get(_url("register_sign", gate))
    doc, html = page(response), response.content.decode()

    assert response.status_code == 200
    assert "North gate" in doc.find("h1").text
    assert "scans the faces of annual pass holders" in html and "Ask at the desk for a card instead." in html
    assert "A FOURTH LINE" not in html
    assert f'src="{_url("register_qr", gate)}"' in html and qr.request_url(gate) in html
    assert "css/sign.css" in html and "<style" not in html and " style=" not in html
    assert "<script>" not in html


def test_a_chinese_organisations_sign_is_in_chinese_then_english(client, gate):
    response = client.get(_url("register_sign", gate))
    doc, html = page(response), response.content.decode()

    assert "北门" in doc.find("h1").text
    assert "杭州野生动物世界在此闸机采集年卡持有人的人脸。" in html and "扫码查阅" in html
    second = doc.find("section", cls="sign-second")
    assert second.get("lang") == "en" and "North gate" in second.find("h2").text
    assert "scans the faces of annual pass holders" in second.text
    assert html.index("杭州野生动物世界在此闸机") < html.index("scans the faces of annual pass holders")
    assert "Scan to see, correct or delete your face data" in html


def test_a_visitor_who_chose_english_reads_english_first_then_chinese(client, gate):
    client.cookies["django_language"] = "en"
    doc = page(client.get(_url("register_sign", gate)))

    assert "North gate" in doc.find("h1").text
    second = doc.find("section", cls="sign-second")
    assert second.get("lang") == "zh-hans" and "北门" in second.find("h2").text


def test_a_sign_outside_china_is_in_one_language(client):
    org = factories.organisation(name="Artis Zoo", slug="artis", jurisdiction="EU", time_zone="Europe/Amsterdam")
    activity = factories.activity(org, name="Season ticket entry", collection_point="Main entrance")
    point = factories.collection_point(activity, name="Main entrance", name_zh="正门", signage=True, published=True)
    client.cookies["django_language"] = "en"
    doc = page(client.get(_url("register_sign", point)))

    assert "Main entrance" in doc.find("h1").text
    assert doc.find("section", cls="sign-second") is None and "正门" not in doc.find("main").text


def test_the_photo_of_a_published_points_sign_is_served_as_an_image(client, gate):
    response = client.get(_url("register_photo", gate))

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


# --- 404s ---------------------------------------------------------------------------------------------

PAGES = ["register_point", "register_sign", "register_qr", "register_photo"]


@pytest.mark.parametrize("name", PAGES)
def test_an_unpublished_point_is_not_found(client, back_door, name):
    assert client.get(_url(name, back_door)).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_another_organisations_point_is_not_found_under_this_organisation(client, zoo, museum_point, name):
    url = reverse(f"public:{name}", kwargs={"slug": zoo.slug, "public_id": museum_point.public_id})

    assert client.get(url).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_an_unknown_point_is_not_found(client, zoo, name):
    url = reverse(f"public:{name}", kwargs={"slug": zoo.slug, "public_id": uuid.uuid4()})

    assert client.get(url).status_code == 404


@pytest.mark.parametrize("path", ["/organisations/nobody/register/",
                                  "/organisations/hangzhou-wildlife-world/register/not-a-uuid/",
                                  "/organisations/hangzhou-wildlife-world/register/not-a-uuid/qr.svg"])
def test_unknown_organisations_and_malformed_ids_are_not_found(client, zoo, path):
    assert client.get(path).status_code == 404


def test_a_point_without_a_photo_has_no_photo(client, activity):
    point = factories.collection_point(activity, name="East gate", published=True)

    assert client.get(_url("register_photo", point)).status_code == 404


def test_a_point_taken_off_the_register_is_gone_at_once(client, gate):
    gate.published = False
    register.save_point(gate)

    assert client.get(_url("register_point", gate)).status_code == 404
    assert client.get(_url("register_photo", gate)).status_code == 404


def test_an_organisation_that_takes_no_public_requests_has_no_public_register(client, zoo, gate):
    zoo.accepts_public_requests = False
    zoo.save(update_fields=["accepts_public_requests"])

    assert client.get(reverse("public:register", kwargs={"slug": zoo.slug})).status_code == 404
    assert client.get(_url("register_point", gate)).status_code == 404


# --- the request form with the point chosen ----------------------------------------------------------


def test_the_request_form_links_the_register(client, zoo):
    assert reverse("public:register", kwargs={"slug": zoo.slug}) in client.get(citizen.form_url(zoo)).content.decode()


def test_the_form_with_a_point_shows_it_and_files_the_request_about_it(client, zoo, gate):
    client.cookies["django_language"] = "en"
    url = f"{citizen.form_url(zoo)}?point={gate.public_id}"
    form = client.get(url)

    assert "About: North gate, Hangzhou Wildlife World, Fuyang District" in _text(form)
    assert f'name="point" value="{gate.public_id}"' in form.content.decode()
    response = client.post(url, citizen.form_data(point=str(gate.public_id), kinds=["deletion", "access"]))

    assert response.status_code == 302, response.content[:500]
    filed = RightsRequest.objects.filter(organisation=zoo)
    assert filed.count() == 2 and all(rr.collection_point == gate for rr in filed)


@pytest.mark.parametrize("which", ["unpublished", "other_organisation", "unknown", "garbage"])
def test_a_point_that_is_not_this_organisations_published_one_is_ignored(client, zoo, back_door, museum_point,
                                                                           which):
    value = {"unpublished": str(back_door.public_id), "other_organisation": str(museum_point.public_id),
             "unknown": str(uuid.uuid4()), "garbage": "'; DROP TABLE x; --" + "9" * 500}[which]
    form = client.get(citizen.form_url(zoo), {"point": value})

    assert form.status_code == 200
    assert "About:" not in _text(form) and "关于" not in _text(form)
    assert "Foyer camera" not in form.content.decode() and "Staff back door" not in form.content.decode()
    response = client.post(citizen.form_url(zoo), citizen.form_data(point=value))

    assert response.status_code == 302
    assert RightsRequest.objects.get(organisation=zoo).collection_point is None


def test_filing_keeps_only_the_organisations_own_published_point(zoo, back_door, museum_point):
    for point in (back_door, museum_point):
        rr = filing.submit(organisation=zoo, kind="access", collection_point=point,
                           identity=Identity(email=f"{point.pk}@example.com"))
        assert rr.collection_point is None


# --- the point on the desk and in the API --------------------------------------------------------------


def test_the_desk_and_the_api_show_the_point_of_a_request(client, zoo, gate):
    officer = factories.member(zoo, "officer", username="zoo.officer")
    rr = filing.submit(organisation=zoo, kind="deletion", collection_point=gate,
                       identity=Identity(email="guo@example.com"))
    factories.force_sign_in(client, officer)
    client.cookies["django_language"] = "en"

    html = client.get(reverse("desk:case", args=[rr.reference])).content.decode()
    detail = factories.member_api(officer, zoo).get(f"/api/v1/requests/{rr.reference}/").json()

    assert "Collection point" in html and "North gate · Hangzhou Wildlife World, Fuyang District" in html
    assert detail["collection_point"] == {"public_id": str(gate.public_id), "name": "North gate"}
