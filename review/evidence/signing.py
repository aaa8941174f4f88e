"""The organisation's Ed25519 key that signs every evidence package's tag manifest.

A bag's ``tagmanifest-sha256.txt`` lists the SHA-256 of every tag file, and the tag files
include ``manifest-sha256.txt`` (every payload file) and ``bag-info.txt``: one signature over
it covers the whole bag. Anyone can recompute the manifests after changing a file; only the
holder of the private key can sign them again, so a recipient who checks the signature
against the organisation's *published* public key knows the bag is as the organisation
exported it, with or without an RFC 3161 timestamp.

* ``generate_key(path)`` writes a new private key (PKCS#8 PEM, mode 0600, never over an
  existing file) and the public key beside it (``<path>.pub.pem``); ``raqib evidence keygen``.
* ``load_private_key(path)`` refuses a missing key or one readable by group or others.
* ``sign(path, key)`` returns the raw 64-byte signature (``openssl pkeyutl -rawin`` reads
  it); ``check(path, signature, public_pem)`` is None or the reason it does not verify.
* ``fingerprint(public_pem)`` is ``SHA256:`` + hex of the SubjectPublicKeyInfo DER, the
  value the organisation publishes and ``verify.py`` recomputes with the standard library.

The bag's ``verify.py`` checks the same signature with ``openssl pkeyutl -verify``. To move
to another algorithm: change it here and in ``verify_bag._check_signature``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

DEFAULT_KEY = Path("keys") / "evidence-signing-key.pem"  # under the data dir
SIGNATURE_SUFFIX = ".sig"
PUBLIC_KEY_NAME = "signing-key.pub.pem"  # the bag's copy (a tag file, in the tag manifest)


class SigningError(Exception):
    """A key that cannot be made, read or used; the message says why and what to do."""


def key_path(setting: str, data_dir: Path) -> Path:
    """The private key's path: ``evidence.signing_key`` when set, else under the data dir."""
    return Path(setting).expanduser() if setting else Path(data_dir) / DEFAULT_KEY


def public_path(private: Path) -> Path:
    return private.with_name(private.name.removesuffix(".pem") + ".pub.pem")


def public_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(pem: bytes) -> str:
    """``SHA256:<hex>`` of the public key's DER (SubjectPublicKeyInfo)."""
    key = _public_key(pem)
    der = key.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return "SHA256:" + hashlib.sha256(der).hexdigest()


def generate_key(path: Path) -> tuple[Path, bytes]:
    """Write a new private key at ``path`` (0600) and its public key beside it; return the
    public key's path and PEM. Refuses to replace an existing key."""
    path = Path(path)
    pub = public_path(path)
    for existing in (path, pub):
        if existing.exists() or existing.is_symlink():
            raise SigningError(f"{existing} exists; a signing key is never overwritten "
                               "(move it away first: bags it signed still verify against "
                               "its public key)")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise SigningError(f"cannot write {path}: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    os.chmod(path, 0o600)  # whatever the umask
    public = public_pem(key)
    pub.write_bytes(public)
    return pub, public


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The private key at ``path``; refused when missing, not Ed25519, or readable by others."""
    path = Path(path)
    if not path.is_file():
        raise SigningError(f"no evidence signing key at {path}: run `raqib evidence keygen` "
                           "and publish the public key it prints (docs/security.md)")
    mode = path.stat().st_mode
    if mode & 0o077:
        raise SigningError(f"{path} is readable by group or others (mode {mode & 0o777:o}); "
                           f"refusing to use it: chmod 600 {path}")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"{path} is not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path} is not an Ed25519 key")
    return key


def sign(path: Path, key: Ed25519PrivateKey) -> bytes:
    """The raw Ed25519 signature over the bytes of ``path``."""
    return key.sign(Path(path).read_bytes())


def _public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError("the public key is not an Ed25519 key")
    return key


def read_public_key(path: Path) -> bytes:
    """The PEM of a public key file (or of the public half of a private key file)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if b"PRIVATE KEY" in raw:
        raise SigningError(f"{path} holds a private key; give the public key "
                           f"({public_path(Path(path)).name})")
    _public_key(raw)
    return raw


def check(path: Path, signature: bytes, pem: bytes) -> str | None:
    """None when ``signature`` is the key's valid signature over ``path``; else why not."""
    try:
        _public_key(pem).verify(signature, Path(path).read_bytes())
    except InvalidSignature:
        return "the signature does not verify with this public key"
    except SigningError as exc:
        return str(exc)
    return None
