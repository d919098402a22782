"""Money is stored in minor units with its currency; this turns it into something readable."""

from decimal import Decimal

# ISO 4217 currencies whose minor unit is not a hundredth.
MINOR_UNIT_EXPONENT = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3}


def to_major(amount_minor: int, currency: str) -> Decimal:
    exponent = MINOR_UNIT_EXPONENT.get(currency, 2)
    return Decimal(amount_minor).scaleb(-exponent)


def format_money(amount_minor: int | None, currency: str) -> str:
    if amount_minor is None:
        return ""
    exponent = MINOR_UNIT_EXPONENT.get(currency, 2)
    return f"{to_major(amount_minor, currency):,.{exponent}f} {currency}"
