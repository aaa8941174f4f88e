"""RFC 3161 timestamps with ``openssl ts``: ask a time-stamp authority (TSA) to sign the
SHA-256 of a file, keep its reply and the certificates inside it, and check a reply.

``request_timestamp(path, url)`` builds the query (``openssl ts -query -sha256 -cert``),
POSTs it as ``application/timestamp-query`` and checks the reply against the file before
returning it; ``token_certificates`` extracts the TSA's certificates from a reply. The
bag's ``verify.py`` checks replies the same way (``openssl ts -verify``). To support
another digest: change ``-sha256`` in both places.
"""

from __future__ import annotations

import subprocess
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 30


class TimestampError(Exception):
    """A TSA that could not be reached, or whose reply does not check out."""


@dataclass
class Timestamp:
    url: str
    query: bytes  # the DER TimeStampReq
    reply: bytes  # the DER TimeStampResp
    certificates: str  # PEM: the certificates the token carries
    gen_time: str  # "Genenration" time as openssl prints it


def _openssl(*args: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["openssl", *args], input=data, capture_output=True, timeout=60)


def request_timestamp(path: Path, url: str) -> Timestamp:
    """A checked RFC 3161 reply from ``url`` over the SHA-256 of ``path``."""
    with tempfile.TemporaryDirectory(prefix="raqib-tsa-") as tmp:
        query_path = Path(tmp) / "query.tsq"
        made = _openssl("ts", "-query", "-data", str(path), "-sha256", "-cert",
                        "-out", str(query_path))
        if made.returncode:
            raise TimestampError(f"openssl ts -query failed: {made.stderr.decode()[-500:]}")
        query = query_path.read_bytes()
        request = urllib.request.Request(url, data=query, method="POST", headers={
            "Content-Type": "application/timestamp-query"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                reply = response.read(1_000_000)
        except OSError as exc:
            raise TimestampError(f"TSA {url} unreachable: {exc}") from exc
        reply_path = Path(tmp) / "reply.tsr"
        reply_path.write_bytes(reply)
        certs = token_certificates(reply_path)
        cert_path = Path(tmp) / "certs.pem"
        cert_path.write_text(certs)
        problem = check_reply(path, reply_path, cert_path, query_path=query_path)
        if problem:
            raise TimestampError(f"TSA {url}: {problem}")
        text = _openssl("ts", "-reply", "-in", str(reply_path), "-text").stdout.decode()
    gen_time = next((line.split(":", 1)[1].strip() for line in text.splitlines()
                     if line.startswith("Time stamp:")), "")
    return Timestamp(url, query, reply, certs, gen_time)


def token_certificates(reply_path: Path) -> str:
    """The PEM certificates inside a reply's token (empty when it carries none)."""
    token = _openssl("ts", "-reply", "-in", str(reply_path), "-token_out")
    if token.returncode:
        raise TimestampError(f"not a timestamp reply: {token.stderr.decode()[-300:]}")
    certs = _openssl("pkcs7", "-inform", "DER", "-print_certs", data=token.stdout)
    return certs.stdout.decode() if certs.returncode == 0 else ""


def check_reply(data_path: Path, reply_path: Path, ca_path: Path, *,
                query_path: Path | None = None) -> str | None:
    """None when the reply is a valid timestamp of ``data_path`` signed by a certificate
    in (or chaining to) ``ca_path``; else openssl's reason."""
    args = ["ts", "-verify", "-in", str(reply_path), "-CAfile", str(ca_path),
            "-partial_chain"]
    args += ["-queryfile", str(query_path)] if query_path else ["-data", str(data_path)]
    done = _openssl(*args)
    if done.returncode == 0 and b"Verification: OK" in done.stdout:
        return None
    return (done.stdout + done.stderr).decode(errors="replace").strip()[-500:] or "refused"
