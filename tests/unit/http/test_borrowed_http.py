"""Names the client borrows from other libraries that are not their public API.

Each test fails in one line naming the library and what the client does through the name,
when a version of that library moves it. pyproject.toml caps requests and urllib3 below
their next major release; raising a cap waits until these pass on that release. Python's
own http.client moves only with Python, which the tests name.
"""

from __future__ import annotations

import http.client
import inspect
import platform
from importlib.metadata import version

import requests
import requests.utils
import urllib3
from urllib3.connectionpool import HTTPConnectionPool

URLLIB3 = f"urllib3 {version('urllib3')}"
REQUESTS = f"requests {version('requests')}"


def test_http_client_reads_each_status_line_through_read_status() -> None:
    assert callable(getattr(http.client.HTTPResponse, "_read_status", None)), (
        f"Python {platform.python_version()}'s http.client no longer has HTTPResponse._read_status: "
        "genviral-contract reads past informational answers through it (http/informational.py)"
    )


def test_http_client_connections_read_with_their_response_class() -> None:
    assert getattr(http.client.HTTPConnection, "response_class", None) is http.client.HTTPResponse, (
        f"Python {platform.python_version()}'s http.client no longer has HTTPConnection.response_class: "
        "genviral-contract makes each connection read past informational answers through it (http/watchdog.py)"
    )


def test_urllib3_pools_hand_out_connections_through_get_conn() -> None:
    get_conn = getattr(HTTPConnectionPool, "_get_conn", None)
    assert callable(get_conn) and "timeout" in inspect.signature(get_conn).parameters, (
        f"{URLLIB3} no longer has HTTPConnectionPool._get_conn(timeout): "
        "genviral-contract arms each attempt's deadline through it (http/watchdog.py)"
    )


def test_urllib3_pool_managers_take_their_pool_classes_from_pool_classes_by_scheme() -> None:
    manager = urllib3.PoolManager()
    assert isinstance(getattr(manager, "pool_classes_by_scheme", None), dict), (
        f"{URLLIB3} no longer has PoolManager.pool_classes_by_scheme: "
        "genviral-contract puts the watched pools in place through it (http/watchdog.py)"
    )


def test_urllib3_responses_keep_http_clients_as_original_response() -> None:
    original = object()
    response = urllib3.HTTPResponse(body=b"", original_response=original, preload_content=False)  # type: ignore[arg-type]
    assert getattr(response, "_original_response", None) is original, (
        f"{URLLIB3} no longer has HTTPResponse._original_response: "
        "genviral-contract reads the informational answers read past through it (http/informational.py)"
    )


def test_requests_responses_keep_a_body_read_in_content() -> None:
    response = requests.Response()
    response._content, response._content_consumed = b"read under the cap", True  # type: ignore[attr-defined]
    try:
        content = response.content
    except Exception:  # a Response that still wants to read its raw stream, which it has not
        content = None
    assert content == b"read under the cap", (
        f"{REQUESTS} no longer takes a body read from Response._content: "
        "genviral-contract stores the body it read under the cap there (http/body.py)"
    )


def test_requests_reads_the_environments_proxies_through_its_utils() -> None:
    missing = [
        name for name in ("get_environ_proxies", "select_proxy") if not callable(getattr(requests.utils, name, None))
    ]
    assert not missing, (
        f"{REQUESTS} no longer has requests.utils.{', '.join(missing)}: "
        "genviral-contract reads the environment's proxies as requests does through it (http/network.py)"
    )
