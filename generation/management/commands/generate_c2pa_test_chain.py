"""`manage.py generate_c2pa_test_chain [--out DIR] [--force]`: a local TEST signing chain.

Writes a root CA and a signing certificate it issued (generation/c2pa_test_chain.py) into DIR
(default var/c2pa), keeps an existing chain unless --force, and prints the C2PA_* settings to
use. `make run` calls it when C2PA_CERT is unset. Clips signed with it validate but say who
signed them: "Cutaway TEST" — never use it in production.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from generation.c2pa_test_chain import write_test_chain


class Command(BaseCommand):
    help = "Generate a local TEST C2PA certificate chain (not for production)."
    # The system checks would refuse to run without the very chain this command makes.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--out", help="folder for signer.pem, signer.key, root.pem")
        parser.add_argument("--force", action="store_true", help="replace an existing chain")

    def handle(self, *args, out=None, force=False, **options):
        folder = Path(out) if out else Path(settings.VAR_DIR) / "c2pa"
        chain = write_test_chain(folder, overwrite=force)
        self.stderr.write(f"C2PA TEST chain in {folder} (self-made root CA: for development only).")
        self.stdout.write(f"C2PA_CERT={chain.cert}")
        self.stdout.write(f"C2PA_KEY={chain.key}")
        self.stdout.write(f"C2PA_TRUST_ANCHORS={chain.root}")
