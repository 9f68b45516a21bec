"""A staging that answers HTTPS on loopback, its certificate signed by a throw-away CA
(trustme), for the tests of how a configured staging's certificate is checked."""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme

from genviral_contract.refapi import ReferenceServer


def tls_reference(ca: trustme.CA, *names: str, client_ca: trustme.CA | None = None) -> ReferenceServer:
    """The reference API (not started) serving HTTPS with a certificate ``ca`` issued for
    ``names``; with ``client_ca``, mutual TLS: it wants a client certificate that CA signed."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        client_ca.configure_trust(context)
    return ReferenceServer(tls=context)


def ca_bundle(ca: trustme.CA, folder: Path) -> str:
    """``ca``'s certificate as a PEM bundle in ``folder``: what a user names in REQUESTS_CA_BUNDLE."""
    path = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)
