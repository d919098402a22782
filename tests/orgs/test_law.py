"""Each jurisdiction's law texts cite that law and no other."""

import pytest

from orgs.models import Jurisdiction
from orgs import law

OTHER_REGIMES = {"PIPL", "GDPR", "CCPA", "Civ. Code", "LGPD", "Va. Code"}
OWN = {
    Jurisdiction.CN: {"PIPL", "GB/T"},
    Jurisdiction.EU: {"GDPR"},
    Jurisdiction.US_CA: {"CCPA", "Civ. Code", "Cal. Code Regs."},
    Jurisdiction.BR: {"LGPD"},
    Jurisdiction.US_VA: {"VCDPA", "Va. Code"},
}


def _all_texts(entry: law.LawTexts) -> list[str]:
    values = [entry.rights, entry.deletion, entry.storage_only, entry.retention_expired, entry.next_of_kin,
              entry.agent, entry.reasons_required, entry.redress, entry.compensation, entry.compensation_basis]
    values += [label for _code, label in entry.refusal_grounds]
    return [str(value) for value in values if value is not None]


def test_every_jurisdiction_has_its_texts():
    assert set(law.LAW) == set(Jurisdiction.values)


@pytest.mark.parametrize("jurisdiction", Jurisdiction.values)
def test_texts_cite_no_other_jurisdictions_law(jurisdiction):
    foreign = OTHER_REGIMES - OWN[jurisdiction]
    for text in _all_texts(law.texts(jurisdiction)):
        assert not any(name in text for name in foreign), (jurisdiction, text)


@pytest.mark.parametrize("jurisdiction", Jurisdiction.values)
def test_refusal_grounds_cite_the_law_and_codes_are_unique(jurisdiction):
    grounds = law.texts(jurisdiction).refusal_grounds
    assert grounds and len({code for code, _label in grounds}) == len(grounds)
    assert law.refusal_ground_label(jurisdiction, grounds[0][0]) == grounds[0][1]
    assert law.refusal_ground_label(jurisdiction, "no-such-ground") is None


def test_only_chinese_law_offers_next_of_kin_here():
    assert law.texts("CN").next_of_kin is not None
    assert all(law.texts(code).next_of_kin is None for code in Jurisdiction.values if code != "CN")


def test_currencies_default_by_jurisdiction():
    assert {code: law.texts(code).currency for code in Jurisdiction.values} == {
        "CN": "CNY", "EU": "EUR", "US-CA": "USD", "BR": "BRL", "US-VA": "USD"}
