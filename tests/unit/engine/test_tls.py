"""The shared TLS context: configured like httpx's, CAs loaded at the first handshake only."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from typing import TYPE_CHECKING

import httpx
import pytest

from gradiox._engine.tls import DeferredCAContext

if TYPE_CHECKING:
    from pathlib import Path


def test_settings_match_httpx_default_context() -> None:
    ours, theirs = DeferredCAContext(), httpx.create_ssl_context()
    for name in (
        "verify_mode",
        "check_hostname",
        "verify_flags",
        "options",
        "minimum_version",
        "maximum_version",
        "protocol",
    ):
        assert getattr(ours, name) == getattr(theirs, name), name


def test_no_ca_is_loaded_until_a_handshake_starts() -> None:
    context = DeferredCAContext()
    assert context.cert_store_stats()["x509_ca"] == 0
    context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.org")
    loaded = context.cert_store_stats()["x509_ca"]
    assert loaded == httpx.create_ssl_context().cert_store_stats()["x509_ca"] > 0
    context.load_cas()  # once only
    assert context.cert_store_stats()["x509_ca"] == loaded


@pytest.fixture
def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def handshake(context: ssl.SSLContext, cert: Path, key: Path) -> None:
    """Handshake with a local TLS server serving ``cert``; raise what the client raised."""
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def serve() -> None:
            conn, _ = listener.accept()
            conn.settimeout(10)
            try:
                with server_context.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass  # the client refused us

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname="localhost"),
        ):
            pass
        thread.join(10)


def test_an_untrusted_certificate_is_refused(self_signed: tuple[Path, Path]) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(DeferredCAContext(), *self_signed)


def test_the_cas_come_from_ssl_cert_file_as_for_httpx(
    self_signed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    context = DeferredCAContext()
    cert, _ = self_signed
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # read at the first handshake
    handshake(context, *self_signed)
    assert context.cert_store_stats()["x509_ca"] == 1
