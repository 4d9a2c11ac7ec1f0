"""The shape of the billing settings, checked when the settings load (config/settings.py) and
again by a system check (billing/checks.py) for values set later (tests, overrides).

Pure Python on purpose: config/settings.py imports it before Django is set up.

- `PLANS`: {name: {"daily_limit": int >= 0}}; must contain "free", the default plan. A plan
  without `daily_limit` (the default "free") takes `GENERATION_DAILY_LIMIT` when read.
- `CREDIT_PRICES`: {size: credits per second, int >= 0}; a size missing from the table cannot
  be bought beyond the daily allowance (429 quota_exceeded, as without credits).
- `CREDIT_PACKS`: {id: {"credits": int > 0, "price": int > 0 (minor units), "currency": str}}.
- `SIGNUP_CREDITS`: int >= 0, granted once when a user's credit account is opened.
- `RIGHTS_DEFAULT_SHARE_PERCENT`: 0..100, a rights holder's share when the entity sets none.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

PACK_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")


class BillingSettingsError(ValueError):
    """A billing setting with a value that cannot work; the message starts with its name."""


def _non_negative_int(name: str, value: Any, *, positive: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BillingSettingsError(f"{name}: expected an integer, got {value!r}.")
    if value < 0 or (positive and value == 0):
        kind = "positive" if positive else "zero or more"
        raise BillingSettingsError(f"{name}: must be {kind}, got {value}.")
    return value


def validate_plans(plans: Any) -> None:
    if not isinstance(plans, dict) or "free" not in plans:
        raise BillingSettingsError('PLANS: a mapping of plan names that includes "free".')
    for name, plan in plans.items():
        if not isinstance(name, str) or not name or len(name) > 32:
            raise BillingSettingsError(f"PLANS: plan names are 1-32 characters, got {name!r}.")
        if not isinstance(plan, dict):
            raise BillingSettingsError(f"PLANS[{name!r}]: expected a mapping, got {plan!r}.")
        if "daily_limit" in plan:
            _non_negative_int(f"PLANS[{name!r}].daily_limit", plan["daily_limit"])


def validate_prices(prices: Any) -> None:
    if not isinstance(prices, dict):
        raise BillingSettingsError("CREDIT_PRICES: a mapping of size → credits per second.")
    for size, price in prices.items():
        _non_negative_int(f"CREDIT_PRICES[{size!r}]", price)


def validate_packs(packs: Any) -> None:
    if not isinstance(packs, dict):
        raise BillingSettingsError("CREDIT_PACKS: a mapping of pack id → pack.")
    for pack_id, pack in packs.items():
        where = f"CREDIT_PACKS[{pack_id!r}]"
        if not isinstance(pack_id, str) or not pack_id or set(pack_id) - PACK_ID_CHARS:
            raise BillingSettingsError(f"{where}: ids are lowercase letters, digits, - and _.")
        if not isinstance(pack, dict):
            raise BillingSettingsError(f"{where}: expected a mapping, got {pack!r}.")
        _non_negative_int(f"{where}.credits", pack.get("credits"), positive=True)
        _non_negative_int(f"{where}.price", pack.get("price"), positive=True)
        currency = pack.get("currency")
        if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
            raise BillingSettingsError(f"{where}.currency: a 3-letter ISO code, got {currency!r}.")


def validate_share(name: str, value: Any) -> Decimal:
    try:
        share = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise BillingSettingsError(f"{name}: expected a percentage, got {value!r}.") from None
    if not share.is_finite() or not Decimal(0) <= share <= Decimal(100):
        raise BillingSettingsError(f"{name}: a percentage from 0 to 100, got {value}.")
    return share


def validate_billing_settings(
    *, plans: Any, prices: Any, packs: Any, signup_credits: Any, default_share: Any
) -> None:
    """Raise BillingSettingsError naming the first setting that cannot work."""
    validate_plans(plans)
    validate_prices(prices)
    validate_packs(packs)
    _non_negative_int("SIGNUP_CREDITS", signup_credits)
    validate_share("RIGHTS_DEFAULT_SHARE_PERCENT", default_share)
