"""A local TEST certificate chain for C2PA signing (`manage.py generate_c2pa_test_chain`).

c2pa-rs refuses a self-signed signing certificate, so the chain has two links: a root CA
(keyCertSign only) and an end-entity signing certificate issued by it with the profile the
C2PA spec asks for (digitalSignature key usage, the emailProtection extended key usage, not a
CA, subject and authority key identifiers). Both keys are P-256 (ES256). Files written:
`signer.pem` (the chain: signing certificate then root, what C2PA_CERT names),
`signer.key` (PKCS#8, C2PA_KEY) and `root.pem` (C2PA_TRUST_ANCHORS, so a re-read says
"Trusted"). Nothing here is fit for production: the names say TEST.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

ORGANIZATION = "Cutaway TEST (not for production)"


@dataclass(frozen=True)
class TestChain:
    cert: Path
    key: Path
    root: Path


def chain_paths(folder: Path) -> TestChain:
    return TestChain(folder / "signer.pem", folder / "signer.key", folder / "root.pem")


def write_test_chain(folder: Path, *, overwrite: bool = False) -> TestChain:
    """Write a root CA and a signing certificate into `folder` (kept when present, unless
    `overwrite`); returns their paths."""
    paths = chain_paths(folder)
    if not overwrite and all(path.is_file() for path in (paths.cert, paths.key, paths.root)):
        return paths
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate("Cutaway TEST root CA", root_key, issuer=None, ca=True)
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer = _certificate("Cutaway TEST signer", signer_key, issuer=(root, root_key), ca=False)
    pem = serialization.Encoding.PEM
    folder.mkdir(parents=True, exist_ok=True)
    paths.root.write_bytes(root.public_bytes(pem))
    paths.cert.write_bytes(signer.public_bytes(pem) + root.public_bytes(pem))
    key_bytes = signer_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    paths.key.touch(mode=0o600)
    paths.key.write_bytes(key_bytes)
    return paths


def _certificate(common_name: str, key, *, issuer, ca: bool):
    """A root CA (issuer None: self-signed) or an end-entity signing certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
        ]
    )
    issuer_cert, issuer_key = issuer if issuer else (None, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_cert.subject if issuer_cert else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650 if ca else 825))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(_key_usage(ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        ).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _key_usage(ca: bool):
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )
