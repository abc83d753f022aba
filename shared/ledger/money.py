"""Money: an integer count of a currency's minor unit (cents for EUR, yen for JPY) and an ISO 4217
code. No floats anywhere, and amounts in different currencies are never added together."""

from __future__ import annotations

# Active ISO 4217 codes (list one, 2024), without the funds, precious metals and testing codes.
CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
    GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW
    KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN
    NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK
    SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS
    VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG""".split()  # noqa: SIM905
)

# 2**53 - 1: the largest integer a JSON client (JavaScript) reads exactly. A balance sums many
# amounts, so one amount stays well below it.
MAX_AMOUNT = 10**15


def signed(direction: str, amount: int) -> int:
    """A transaction's effect on the balance: positive when the contact owes the user."""
    return amount if direction == "lent" else -amount


# ISO 4217 minor units where they are not 2 (list one): JPY has none, KWD three.
_EXPONENTS = dict.fromkeys(
    "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split(),  # noqa: SIM905
    0,
) | dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3)  # noqa: SIM905


def format_amount(minor: int, currency: str) -> str:
    """For people (a reminder's text): 1250 EUR -> "12.50 EUR", 7 JPY -> "7 JPY"."""
    exponent = _EXPONENTS.get(currency, 2)
    if exponent == 0:
        return f"{minor} {currency}"
    units, rest = divmod(abs(minor), 10**exponent)
    return f"{'-' if minor < 0 else ''}{units}.{rest:0{exponent}d} {currency}"
