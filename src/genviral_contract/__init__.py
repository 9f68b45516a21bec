"""genviral-contract: contract and conformance tests for the Genviral Partner API."""

__version__ = "0.2.0"
