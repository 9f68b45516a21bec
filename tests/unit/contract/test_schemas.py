"""The schemas and the OpenAPI document are checked like code: metaschema, refs, two validators."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
import yaml
from helpers.casefiles import Case, cases
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from schemathesis.core.transport import Response

from genviral_contract.contract import schemas
from genviral_contract.strategies import build_response

DIALECT = "https://json-schema.org/draft/2020-12/schema"
OPENAPI = schemas.schema_dir() / "openapi.yaml"
DOCS = schemas.documents()


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _openapi() -> dict[str, Any]:
    return yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_every_schema_file_is_loaded_under_its_own_id() -> None:
    files = {schemas.BASE_URI + p.name for p in schemas.schema_dir().glob("*.schema.json")}
    assert set(DOCS) == files, "each schema's $id is the base URI plus its file name, and no two files share one"


@pytest.mark.parametrize("uri", sorted(DOCS), ids=lambda uri: uri.rsplit("/", 1)[-1])
def test_schema_declares_its_dialect(uri: str) -> None:
    assert DOCS[uri].get("$schema") == DIALECT
    # A relative $id, the file's own name: refs resolve beside the file wherever it is read from.
    assert DOCS[uri].get("$id") == uri.rsplit("/", 1)[-1]


@pytest.mark.parametrize("uri", sorted(DOCS), ids=lambda uri: uri.rsplit("/", 1)[-1])
def test_schema_passes_its_metaschema(uri: str) -> None:
    Draft202012Validator.check_schema(DOCS[uri])


@pytest.mark.parametrize("uri", sorted(DOCS), ids=lambda uri: uri.rsplit("/", 1)[-1])
def test_refs_resolve_through_the_registry(uri: str) -> None:
    resolver = schemas.registry().resolver(base_uri=uri)
    for ref in _refs(DOCS[uri]):
        resolver.lookup(ref)  # raises Unresolvable, naming the ref


def test_openapi_document_passes_the_openapi_spec() -> None:
    validate_openapi(_openapi(), base_uri=OPENAPI.resolve().as_uri())


def test_openapi_response_schemas_are_refs_to_the_schema_files() -> None:
    spec = _openapi()
    components = spec["components"]["schemas"]
    for status, response in spec["paths"]["/accounts"]["get"]["responses"].items():
        for media, content in response["content"].items():
            schema = content["schema"]
            assert set(schema) == {"$ref"}, f"{status} {media}: a $ref, not a copy"
            ref = schema["$ref"]
            if ref.startswith("#/components/schemas/"):
                component = components[ref.rsplit("/", 1)[-1]]
                assert set(component) == {"$ref"}, f"{ref}: a $ref, not a copy"
                ref = component["$ref"]
            assert ref.startswith("./") and (OPENAPI.parent / ref).is_file(), f"{status} {media}: {ref}"
            assert schemas.BASE_URI + Path(ref).name in DOCS


def test_schemathesis_loads_the_openapi_document_and_follows_its_refs() -> None:
    operation = schemathesis.openapi.from_path(str(OPENAPI))["/accounts"]["GET"]
    request = requests.Request("GET", "http://127.0.0.1/api/partner/v1/accounts").prepare()

    def response(body: Any) -> Response:
        return Response(200, {"Content-Type": ["application/json"]}, json.dumps(body).encode(), request, 0.0, True)

    good = build_response(3)
    operation.validate_response(response(good))
    bad = build_response(3)
    bad["data"]["accounts"][1]["platform"] = "x"
    # A failure here proves the nested $refs (envelope -> payload -> account) were followed.
    with pytest.raises(AssertionError):
        operation.validate_response(response(bad))


BODIES = [c for c in cases() if c.has_body]


@pytest.mark.parametrize("case", BODIES, ids=[c.id for c in BODIES])
def test_both_validators_agree_on_case_bodies(case: Case) -> None:
    # check() trusts the fast validator's yes; a disagreement hides a violation or invents one.
    contract = case.contract
    assert schemas.fast(contract).is_valid(case.body) == schemas.explainer(contract).is_valid(case.body)
