"""One function turns typed identifiers into what is stored (orgs.identifiers.read_identifiers):
intake's subject and the owners' API's record of the same person match by the same hashes."""

import pytest
from django.core.exceptions import ValidationError

from orgs.identifiers import IdentifierKind, identifier_hash, read_identifiers
from requests_app.cases.subjects import Identity, build_subject


def test_identifiers_are_normalised_hashed_and_masked_in_one_pass(settings):
    read = read_identifiers({"email": " Guo.Bing@Example.com ", "phone": "138 0013 8000", "member_number": "yp 2019"},
                            jurisdiction="CN")

    assert read.values == {"email": "guo.bing@example.com", "phone": "+8613800138000", "member_number": "YP2019"}
    assert read.hashes["phone_hash"] == identifier_hash(IdentifierKind.PHONE, "+8613800138000")
    assert read.masked.startswith("g***@example.com, +86")
    assert set(read.model_fields()) == {"email_hash", "phone_hash", "member_number_hash", "masked_identifiers"}


def test_every_bad_identifier_is_named_and_blanks_are_skipped():
    with pytest.raises(ValidationError) as raised:
        read_identifiers({"email": "not-an-address", "phone": "12", "member_number": "  "}, jurisdiction="CN")

    assert set(raised.value.message_dict) == {"email", "phone"}
    assert read_identifiers({"email": ""}, jurisdiction="EU").hashes == {}


def test_intake_stores_what_the_function_reads(db):
    subject = build_subject(Identity(email="Guo.Bing@Example.com", id_number="3301 0619"), jurisdiction="CN")
    read = read_identifiers({"email": "Guo.Bing@Example.com", "id_number": "3301 0619"}, jurisdiction="CN")

    assert (subject.email_hash, subject.id_number_hash) == (read.hashes["email_hash"], read.hashes["id_number_hash"])
    assert subject.masked_identifiers == read.masked and subject.email == "guo.bing@example.com"
