"""C2PA signing and reading with the deployment's certificate (c2pa-python, settings C2PA_*).

    check_signing_settings()                      -> SigningMaterial (raises SigningConfigError)
    sign_file(src, dest, manifest, ingredients)   -> writes dest, a copy of src with the manifest
    read_manifest(path_or_stream)                 -> ManifestReading | None (no manifest)

C2PA_CERT names a PEM chain (the signing certificate first, then its issuers), C2PA_KEY its
PEM private key, C2PA_ALG the algorithm (es256 by default), C2PA_TSA_URL an optional RFC 3161
timestamp authority and C2PA_TRUST_ANCHORS an optional PEM file of root certificates. With
anchors, a manifest reads back as valid only when it is "Trusted" (its chain ends in one of
them); without, the trust list is not consulted and "Valid" (signature, certificate profile
and every hash match) is what counts.

Settings are checked at start-up (config.checks and the worker's init, through
check_signing_settings): a missing file, a certificate that does not match its key or that
c2pa-rs refuses fails there, naming the setting, instead of at the first publish. The check
signs a 16x16 PNG in memory, so whatever c2pa-rs itself rejects is seen too.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

ALGORITHMS = ("es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519")
SETTINGS = ("C2PA_CERT", "C2PA_KEY", "C2PA_ALG", "C2PA_TSA_URL", "C2PA_TRUST_ANCHORS")
MP4 = "video/mp4"


class SigningConfigError(Exception):
    """A C2PA_* setting is missing or unusable; `setting` names it."""

    def __init__(self, setting: str, message: str):
        super().__init__(f"{setting}: {message}")
        self.setting = setting
        self.message = message


class ManifestInvalid(Exception):
    """A manifest that did not validate when read back (`reading` says why)."""

    def __init__(self, message: str, reading: ManifestReading | None = None):
        super().__init__(message)
        self.reading = reading


@dataclass(frozen=True)
class SigningMaterial:
    cert_pem: str
    key_pem: str
    alg: str
    tsa_url: str | None
    anchors_pem: str


@dataclass
class ManifestReading:
    """What c2pa's Reader said about an asset: its manifest store (Reader.json(), parsed) and
    the validation state; `failures` are the active manifest's failure codes."""

    state: str
    store: dict
    failures: list[dict] = field(default_factory=list)

    @property
    def active(self) -> dict:
        return self.store.get("manifests", {}).get(self.store.get("active_manifest", ""), {})

    @property
    def valid(self) -> bool:
        wanted = {"Trusted"} if trust_anchors() else {"Valid", "Trusted"}
        return self.state in wanted and not self.failures


# --- settings ---------------------------------------------------------------------------


def _read_pem(setting: str, path: str, *, required: bool) -> str:
    if not path:
        if required:
            raise SigningConfigError(
                setting,
                "not set. Every published clip is signed; name a PEM file (for a local test "
                "chain: manage.py generate_c2pa_test_chain).",
            )
        return ""
    try:
        return Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise SigningConfigError(setting, f"cannot read {path!r} ({exc}).") from None


def _check_pair(cert_pem: str, key_pem: str) -> None:
    """The chain parses, its first certificate is a signing (not CA) certificate in date, and
    the key is that certificate's private key."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        chain = x509.load_pem_x509_certificates(cert_pem.encode())
    except ValueError as exc:
        raise SigningConfigError("C2PA_CERT", f"not a PEM certificate chain ({exc}).") from None
    try:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        message = f"not an unencrypted PEM private key ({exc})."
        raise SigningConfigError("C2PA_KEY", message) from None
    leaf = chain[0]
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if key.public_key().public_bytes(der, public) != leaf.public_key().public_bytes(der, public):
        raise SigningConfigError(
            "C2PA_KEY", "does not match the first certificate of C2PA_CERT (the signing one)."
        )
    now = datetime.datetime.now(datetime.UTC)
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        until = leaf.not_valid_after_utc
        message = f"the signing certificate is not valid now (valid until {until})."
        raise SigningConfigError("C2PA_CERT", message)


def load_signing_material() -> SigningMaterial:
    """Read and check the C2PA_* settings (no c2pa call); raises SigningConfigError."""
    alg = (settings.C2PA_ALG or "es256").lower()
    if alg not in ALGORITHMS:
        raise SigningConfigError("C2PA_ALG", f"{alg!r} is not one of {', '.join(ALGORITHMS)}.")
    tsa_url = settings.C2PA_TSA_URL or None
    if tsa_url and not tsa_url.startswith(("http://", "https://")):
        raise SigningConfigError("C2PA_TSA_URL", "must be an http(s) URL.")
    cert_pem = _read_pem("C2PA_CERT", settings.C2PA_CERT, required=True)
    key_pem = _read_pem("C2PA_KEY", settings.C2PA_KEY, required=True)
    _check_pair(cert_pem, key_pem)
    anchors = _read_pem("C2PA_TRUST_ANCHORS", settings.C2PA_TRUST_ANCHORS, required=False)
    if anchors:
        from cryptography import x509

        try:
            x509.load_pem_x509_certificates(anchors.encode())
        except ValueError as exc:
            message = f"not a PEM file of certificates ({exc})."
            raise SigningConfigError("C2PA_TRUST_ANCHORS", message) from None
    return SigningMaterial(cert_pem, key_pem, alg, tsa_url, anchors)


@lru_cache(maxsize=1)
def signing_material() -> SigningMaterial:
    return load_signing_material()


@lru_cache(maxsize=1)
def trust_anchors() -> str:
    """C2PA_TRUST_ANCHORS' PEM (empty when unset): all a reader needs, so a box that only
    reads manifests (the web's provenance endpoint) never touches the private key."""
    return _read_pem("C2PA_TRUST_ANCHORS", settings.C2PA_TRUST_ANCHORS, required=False)


@receiver(setting_changed)
def _forget_material(*, setting, **kwargs):
    if setting in SETTINGS:
        signing_material.cache_clear()
        trust_anchors.cache_clear()


def check_signing_settings() -> SigningMaterial:
    """Load the settings and sign a tiny PNG with them, so c2pa-rs's own refusals (a
    certificate profile it rejects, an algorithm that does not fit the key) surface now."""
    material = load_signing_material()
    from c2pa import C2paError
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(png, format="PNG")
    png.seek(0)
    created = {
        "action": "c2pa.created",
        "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCreation",
    }
    manifest = {
        "claim_generator_info": [{"name": "Cutaway start-up check"}],
        "assertions": [{"label": "c2pa.actions", "data": {"actions": [created]}}],
    }
    signed = io.BytesIO()
    try:
        _sign_stream(material, manifest, "image/png", png, signed, ingredients=[])
    except C2paError as exc:
        raise SigningConfigError(
            "C2PA_CERT", f"c2pa could not sign with this certificate and C2PA_KEY ({exc})."
        ) from None
    signed.seek(0)
    reading = read_manifest(signed, "image/png", anchors_pem=material.anchors_pem)
    if material.anchors_pem and (reading is None or reading.state != "Trusted"):
        codes = ", ".join(f["code"] for f in (reading.failures if reading else []))
        raise SigningConfigError(
            "C2PA_TRUST_ANCHORS",
            f"the C2PA_CERT chain does not lead to any of these roots ({codes or 'unread'}).",
        )
    return material


# --- signing and reading -----------------------------------------------------------------


def _context(anchors_pem: str):
    import c2pa

    if anchors_pem:
        trust = {"trust_anchors": anchors_pem}
        config = {"verify": {"verify_trust": True}, "trust": trust}
    else:
        config = {"verify": {"verify_trust": False}}
    return c2pa.Context(c2pa.Settings.from_dict(config))


def _sign_stream(material, manifest: dict, fmt: str, source, dest, *, ingredients) -> None:
    import c2pa

    cert, key = material.cert_pem.encode(), material.key_pem.encode()
    info = c2pa.C2paSignerInfo(material.alg.encode(), cert, key, material.tsa_url)
    with (
        _context(material.anchors_pem) as context,
        c2pa.Signer.from_info(info) as signer,
        c2pa.Builder(manifest, context) as builder,
    ):
        for ingredient, path in ingredients:
            with open(path, "rb") as handle:
                builder.add_ingredient(ingredient, MP4, handle)
        builder.sign(signer, fmt, source, dest)


def sign_file(src: Path, dest: Path, manifest: dict, ingredients: list[tuple[dict, Path]]) -> None:
    """Write `dest`: the MP4 `src` with `manifest` signed into it; each ingredient is (its
    JSON, the MP4 it comes from, whose own manifest is carried along)."""
    material = signing_material()
    with open(src, "rb") as source, open(dest, "w+b") as target:
        _sign_stream(material, manifest, MP4, source, target, ingredients=ingredients)


def read_manifest(
    source, fmt: str = MP4, *, anchors_pem: str | None = None
) -> ManifestReading | None:
    """The manifest store (ManifestReading) of an MP4 (a path or a binary stream), or None
    when it has none; verified against C2PA_TRUST_ANCHORS unless `anchors_pem` is given."""
    import c2pa

    anchors = trust_anchors() if anchors_pem is None else anchors_pem
    with _context(anchors) as context:
        try:
            if isinstance(source, (str, Path)):
                reader = c2pa.Reader(str(source), context=context)
            else:
                reader = c2pa.Reader(fmt, source, context=context)
        except c2pa.C2paError.ManifestNotFound:
            return None
        except c2pa.C2paError as exc:  # a manifest so damaged that it cannot be parsed
            failure = {"code": "manifest.unreadable", "explanation": str(exc)}
            return ManifestReading(state="Invalid", store={}, failures=[failure])
        with reader:
            store = json.loads(reader.json())
    results = store.get("validation_results") or {}
    failures = (results.get("activeManifest") or {}).get("failure") or []
    return ManifestReading(state=store.get("validation_state", ""), store=store, failures=failures)
