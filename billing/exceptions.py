"""Errors the billing API raises, each with a stable `code` clients switch on."""

from rest_framework import exceptions, status

from config.renderers import format_timestamp


class InsufficientCredits(exceptions.APIException):
    """402: the generation is beyond the plan's daily allowance and the balance cannot pay it.
    The body carries `balance` and `price` (credits) and when the free allowance resets."""

    status_code = status.HTTP_402_PAYMENT_REQUIRED
    default_detail = "Not enough credits for this generation."
    default_code = "insufficient_credits"

    def __init__(self, *, balance: int, price: int, resets_at=None):
        detail = {
            "detail": f"This generation costs {price} credits; the balance is {balance}.",
            "code": "insufficient_credits",
            "balance": balance,
            "price": price,
        }
        if resets_at is not None:
            detail["resets_at"] = format_timestamp(resets_at)
        super().__init__()
        self.detail = detail  # as is: DRF would turn the numbers into strings
        self.balance, self.price = balance, price


class InvalidWebhook(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The Stripe-Signature header does not verify for this body."
    default_code = "invalid_signature"


class UnknownPack(exceptions.ValidationError):
    """400 naming `pack`: not a pack of this server's CREDIT_PACKS."""

    def __init__(self, field: str = "pack"):
        super().__init__({field: ["No such credit pack."]})


class PaymentsUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Payments are unavailable right now; nothing was charged. Try again later."
    default_code = "payments_unavailable"


class NothingToReverse(exceptions.ValidationError):
    def __init__(self, message: str):
        super().__init__({"entry": [message]})
