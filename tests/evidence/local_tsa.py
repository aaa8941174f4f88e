"""A local RFC 3161 time-stamp authority for the tests: a CA and a TSA certificate made
with ``openssl`` at test time, and ``openssl ts -reply`` behind a small HTTP handler on a
free loopback port. ``LocalTSA(dir)`` is a context manager; ``url`` and ``ca_pem`` are what
a test needs."""

from __future__ import annotations

import http.server
import subprocess
import tempfile
import threading
from pathlib import Path

CONFIG = """
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = {cn}
[ ca_ext ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
[ tsa_ext ]
basicConstraints = CA:false
extendedKeyUsage = critical, timeStamping
keyUsage = critical, digitalSignature
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = {dir}/serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _run(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


class LocalTSA:
    """An ``openssl ts`` responder; ``name`` tells two of them apart."""

    def __init__(self, directory: Path | None = None, name: str = "Raqib Test TSA") -> None:
        self.dir = Path(directory or tempfile.mkdtemp(prefix="raqib-tsa-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.name = name
        cnf = self.dir / "tsa.cnf"
        cnf.write_text(CONFIG.format(cn=name, dir=self.dir))
        (self.dir / "serial").write_text("01\n")
        d = str(self.dir)
        _run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{d}/ca.key",
             "-out", f"{d}/ca.pem", "-days", "2", "-config", str(cnf), "-extensions",
             "ca_ext", "-subj", f"/CN={name} CA")
        _run("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{d}/tsa.key",
             "-out", f"{d}/tsa.csr", "-config", str(cnf), "-subj", f"/CN={name}")
        _run("x509", "-req", "-in", f"{d}/tsa.csr", "-CA", f"{d}/ca.pem", "-CAkey",
             f"{d}/ca.key", "-CAcreateserial", "-out", f"{d}/tsa.pem", "-days", "2",
             "-extfile", str(cnf), "-extensions", "tsa_ext")
        self.ca_pem = self.dir / "ca.pem"
        self.requests = 0
        self._server: http.server.ThreadingHTTPServer | None = None

    def reply(self, query: bytes) -> bytes:
        with tempfile.TemporaryDirectory(dir=self.dir) as tmp:
            q, r = Path(tmp) / "q.tsq", Path(tmp) / "r.tsr"
            q.write_bytes(query)
            _run("ts", "-reply", "-config", str(self.dir / "tsa.cnf"), "-queryfile", str(q),
                 "-inkey", str(self.dir / "tsa.key"), "-signer", str(self.dir / "tsa.pem"),
                 "-chain", str(self.ca_pem), "-out", str(r))
            return r.read_bytes()

    def __enter__(self) -> LocalTSA:
        tsa = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                tsa.requests += 1
                data = tsa.reply(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/tsa"

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
