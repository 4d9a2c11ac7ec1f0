"""`manage.py generate_vapid_key [--out FILE]`: a new VAPID key pair for WebPush.

Writes the private key as PEM (to FILE, mode 600, or stdout) and prints the public key
(base64url, what `GET push/vapid-key` serves). `make run` calls it once when VAPID_PRIVATE_KEY
is unset and keeps the file under var/, so browser subscriptions survive restarts.
"""

import base64
import os

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand
from py_vapid import Vapid02


class Command(BaseCommand):
    help = "Generate a VAPID key pair (private PEM to --out or stdout; public key printed)."

    def add_arguments(self, parser):
        parser.add_argument("--out", help="write the private key PEM here (mode 600)")

    def handle(self, *args, out=None, **options):
        vapid = Vapid02()
        vapid.generate_keys()
        pem = vapid.private_pem().decode()
        public = base64.urlsafe_b64encode(
            vapid.public_key.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )
        if out:
            descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as key_file:
                key_file.write(pem)
            self.stderr.write(f"VAPID private key written to {out}")
        else:
            self.stdout.write(pem)
        self.stderr.write(f"VAPID_PUBLIC_KEY={public.rstrip(b'=').decode()}")
