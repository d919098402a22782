import pytest

from requests_app.money import format_money


@pytest.mark.parametrize(
    "minor, currency, shown",
    [(103800, "CNY", "1,038.00 CNY"), (5000, "JPY", "5,000 JPY"), (1234, "KWD", "1.234 KWD"), (None, "EUR", "")],
)
def test_amounts_show_in_the_currencys_own_unit(minor, currency, shown):
    assert format_money(minor, currency) == shown
