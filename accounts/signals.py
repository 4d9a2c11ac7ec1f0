"""Facts accounts announces to the apps above it (DESIGN.md: lower app announces a fact).

`cameo_consent_revoked` is sent *inside* the revoking transaction, so every receiver's
takedown commits or rolls back together with the revocation: nothing is left half-done.
Receivers: generation cancels queued jobs using the cameo; feed takes down its videos.
"""

from django.dispatch import Signal

# kwargs: cameo (accounts.Cameo), actor (User), reason (str)
cameo_consent_revoked = Signal()
# kwargs: user (User), until (datetime|None), reason (str)
user_suspended = Signal()
# kwargs: user (User). Sent inside the erasing transaction of `DELETE me`, after consent is
# revoked and before the user's row is anonymised: every app removes what it keeps for that
# user (devices, webhooks, keys, credits…) so erasure commits or rolls back as one.
user_erased = Signal()
# kwargs: notification_ids (list[int]). Sent after commit by whatever writes in-app
# notifications, so delivery channels (push) hear of every one, bulk SQL inserts included.
notifications_created = Signal()
