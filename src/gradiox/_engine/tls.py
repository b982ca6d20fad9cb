"""The verifying TLS context every client of the process shares, with its CAs loaded late.

Parsing the CA bundle is the most expensive step of a first connect (tens to hundreds of
milliseconds of CPU with OpenSSL 3, measured in bench/NOTES.md), and an app served over
plain http never needs it. :class:`DeferredCAContext` is configured like
``httpx.create_ssl_context()`` and loads the same CA certificates at its first TLS handshake.
"""

from __future__ import annotations

import os
import ssl
import sys
import threading
from typing import Any

__all__ = ["DeferredCAContext"]


class DeferredCAContext(ssl.SSLContext):
    """A verifying client context that loads its CA certificates before its first handshake.

    Every TLS connection made with a context goes through ``wrap_bio`` (asyncio, anyio and
    so httpx and websockets) or ``wrap_socket`` (blocking sockets); both load the CAs first,
    so verification is never weaker than with the CAs loaded up front. The CAs are the ones
    httpx would use: ``$SSL_CERT_FILE``, else ``$SSL_CERT_DIR``, else certifi's bundle.
    """

    def __new__(cls) -> DeferredCAContext:
        return super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)

    def __init__(self) -> None:
        # What ssl.create_default_context() sets for a client, apart from the CAs.
        self.verify_mode = ssl.CERT_REQUIRED
        self.check_hostname = True
        if sys.version_info >= (3, 13):
            self.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
        keylog = os.environ.get("SSLKEYLOGFILE")
        if keylog and not sys.flags.ignore_environment:
            self.keylog_filename = keylog
        self._ca_lock = threading.Lock()
        self._ca_loaded = False

    def load_cas(self) -> None:
        """Load the CA certificates now (once; later calls return at once)."""
        if self._ca_loaded:
            return
        with self._ca_lock:
            if self._ca_loaded:
                return
            if os.environ.get("SSL_CERT_FILE"):
                self.load_verify_locations(cafile=os.environ["SSL_CERT_FILE"])
            elif os.environ.get("SSL_CERT_DIR"):
                self.load_verify_locations(capath=os.environ["SSL_CERT_DIR"])
            else:
                import certifi  # httpx depends on it

                self.load_verify_locations(cafile=certifi.where())
            self._ca_loaded = True

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self.load_cas()
        return super().wrap_bio(*args, **kwargs)

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self.load_cas()
        return super().wrap_socket(*args, **kwargs)
