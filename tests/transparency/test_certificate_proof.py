"""A requester checks their own certificate against the public log, with the script the
log's page hands out; the case file carries every event's proof."""

import json

from django.urls import reverse

from requests_app.cases import casefile, tokens
from requests_app.transparency import heads
from tests.requests_app.test_documents import certified, pdf_text, squashed
from tests.transparency import log
from tests.transparency.test_log import SCRIPT


def status_urls(rr) -> dict:
    token = tokens.issue_status_link(rr.submission)
    args = {"token": token, "reference": rr.reference}
    return {
        "page": reverse("public:certificate", kwargs=args),
        "proof": reverse("public:certificate_log_proof", kwargs=args),
        "pdf": reverse("public:document_pdf", kwargs={**args, "name": "certificate"}),
    }


def test_the_certificates_log_proof_names_it_and_verifies_with_the_requesters_script(client, org_a, officer_a, tmp_path):
    rr = certified(org_a, officer_a)
    urls = status_urls(rr)

    response = client.get(urls["proof"])
    proof = response.json()
    result = log.run_verifier(proof, tmp_path)

    assert response["Content-Disposition"] == f'attachment; filename="{rr.certificate.number}-log-proof.json"'
    assert result.returncode == 0, result.stderr
    assert "(finish_fulfilment)" in result.stdout
    # What the log holds states this very certificate: its number and the hash printed on it.
    assert proof["event"]["data"] == {"certificate": rr.certificate.number,
                                      "certificate_sha256": rr.certificate.body_sha256}


def test_the_certificate_page_and_pdf_print_the_proof_and_where_to_check_it(client, org_a, officer_a):
    rr = certified(org_a, officer_a)
    urls = status_urls(rr)
    proof = client.get(urls["proof"]).json()

    page = client.get(urls["page"]).content.decode()
    text = squashed(pdf_text(client.get(urls["pdf"]).content))

    assert "In the public log" in page and urls["proof"] in page
    for printed in (proof["event_hash"], proof["root_hash"], *proof["inclusion_path"], "/log/"):
        assert printed in page and printed in text


def test_the_proof_is_only_behind_the_status_link(client, org_a, officer_a):
    rr = certified(org_a, officer_a)

    wrong = reverse("public:certificate_log_proof", kwargs={"token": "x" * 43, "reference": rr.reference})

    assert client.get(wrong).status_code == 404


def test_the_case_file_carries_a_verifiable_proof_for_every_event(org_a, officer_a):
    rr = certified(org_a, officer_a)

    case = casefile.case_file(casefile.casefile_queryset().get(pk=rr.pk))
    data = json.loads(casefile.as_json(case))
    size, root = SCRIPT["checkpoint_root"](data["log"]["checkpoint"], *SCRIPT["read_key"](heads.verifier_key()))

    assert [entry["seq"] for entry in data["log"]["entries"]] == [event["seq"] for event in data["events"]]
    for entry in data["log"]["entries"]:
        leaf = SCRIPT["sha256"](b"\x00" + bytes.fromhex(entry["event_hash"]))
        path = [bytes.fromhex(h) for h in entry["inclusion_path"]]
        assert SCRIPT["root_from_inclusion"](leaf, entry["leaf_index"], size, path) == root
    assert data["log"]["root_hash"] in casefile.as_html(case)


def test_the_log_page_tells_a_requester_how_to_check_in_both_languages(client, org_a, officer_a):
    certified(org_a, officer_a)

    english = client.get("/log/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get("/log/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "Check your own certificate" in english and "verify_log_proof.py" in english
    assert "公开日志" in chinese and heads.verifier_key() in chinese
