"""The ledger's Ed25519 key and the signed packages of submitted reports.

The private key lives outside the database, in the file named by ``LEDGER_KEY_FILE`` (default
``data/ledger.key``), readable by its owner only; ``init`` creates it when missing. A package is a
zip of ``manifest.json`` (the version's frozen figures, hashes, who and when), ``manifest.sig``
(the signature of those exact bytes) and ``annex.xlsx`` (whose SHA-256 the manifest names).
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.store.audit import canonical_json, digest
from ledger.store.db import PROJECT_DIR

KEY_VARIABLE = "LEDGER_KEY_FILE"
MANIFEST, SIGNATURE, ANNEX = "manifest.json", "manifest.sig", "annex.xlsx"


def key_path() -> Path:
    return Path(os.environ.get(KEY_VARIABLE) or PROJECT_DIR / "data" / "ledger.key")


def ensure_key(path: Path | None = None) -> tuple[Path, bool]:
    """The key file, created (mode 600) when missing; and whether it was created now."""
    path = path or key_path()
    if path.exists():
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others, not even for a moment
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return path, True


def private_key(path: Path | None = None) -> Ed25519PrivateKey:
    path, _ = ensure_key(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 key")
    return key


def public_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public(pem: str | bytes) -> Ed25519PublicKey | None:
    """The Ed25519 public key in ``pem``, or None when it is not one."""
    try:
        key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    except (ValueError, TypeError):
        return None
    return key if isinstance(key, Ed25519PublicKey) else None


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, grouped for reading aloud over the telephone."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    hexed = digest(raw)[:32]
    return ":".join(hexed[i:i + 4] for i in range(0, len(hexed), 4))


def write_package(manifest: dict[str, Any], annex: bytes, key: Ed25519PrivateKey) -> bytes:
    """The package bytes: the manifest (with the annex's hash), its signature, the annex."""
    body = canonical_json({**manifest, "annex_sha256": digest(annex), "public_key": public_pem(key)}).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, body)
        archive.writestr(SIGNATURE, key.sign(body).hex())
        archive.writestr(ANNEX, annex)
    return buffer.getvalue()


@dataclass(frozen=True)
class Package:
    manifest: dict[str, Any]
    body: bytes
    signature: bytes
    annex: bytes


def read_package(data: bytes) -> Package | None:
    """The parts of a package, or None when ``data`` is not one (not a zip, a part missing)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            body, signature, annex = (archive.read(name) for name in (MANIFEST, SIGNATURE, ANNEX))
        return Package(json.loads(body), body, bytes.fromhex(signature.decode()), annex)
    except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError):
        return None


def signed_by(package: Package, key: Ed25519PublicKey) -> bool:
    try:
        key.verify(package.signature, package.body)
    except InvalidSignature:
        return False
    return True
