"""The headers an answer names itself by in the server's logs, as a failure quotes them."""

from __future__ import annotations

from requests.structures import CaseInsensitiveDict

from genviral_contract.http.request_ids import REQUEST_ID_HEADERS, request_ids


def test_each_request_id_header_is_quoted_in_a_fixed_order_whatever_its_case() -> None:
    headers = CaseInsensitiveDict(
        {"cf-ray": "8a1b2c3d4e5f6a7b-AMS", "X-REQUEST-ID": "req_1", "x-amzn-trace-id": "Root=1-67891233", "Vary": "x"}
    )
    assert request_ids(headers) == (
        ("X-Request-Id", "req_1"),
        ("X-Amzn-Trace-Id", "Root=1-67891233"),
        ("CF-Ray", "8a1b2c3d4e5f6a7b-AMS"),
    )


def test_no_request_id_header_is_nothing_to_quote() -> None:
    assert request_ids(CaseInsensitiveDict({"Content-Type": "application/json", "X-Request-Id": ""})) == ()


def test_a_long_value_is_cut() -> None:
    (found,) = request_ids(CaseInsensitiveDict({"Request-Id": "x" * 5000}))
    assert found[0] == "Request-Id" and len(found[1]) == 200 and found[1].endswith("…")


def test_the_common_names_are_known() -> None:
    assert {"X-Request-Id", "Request-Id", "X-Amzn-Trace-Id", "CF-Ray", "X-Correlation-Id"} <= set(REQUEST_ID_HEADERS)
