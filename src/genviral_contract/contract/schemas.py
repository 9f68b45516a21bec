"""The one place that opens the schema files: registry and compiled validators, built once
per contract (revision and enum extensions, see revision.py).

``schemas/`` at the top of the repository is the source of truth. An editable install
reads it there; a wheel carries a copy inside the package (see pyproject.toml). Revision 3
is a layer over revision 2 (``*-rev3.schema.json``): a change to revision 2 reaches both.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jsonschema_rs
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from genviral_contract.contract.revision import DEFAULT, Contract

# Each file's $id is its own file name, a relative URI: wherever the files are read from
# (this registry, schemathesis loading openapi.yaml from disk, a URL), "$ref": "x.schema.json"
# resolves to the file beside it. An absolute $id on a host of ours would make tools that
# follow $id (schemathesis does) try to download the schemas instead. In the registry the
# documents live under this base, which no tool ever fetches (.invalid never resolves).
BASE_URI = "https://genviral-contract.invalid/schemas/"
ACCOUNTS_RESPONSE = BASE_URI + "accounts-response.schema.json"
ENVELOPE = BASE_URI + "envelope.schema.json"
ACCOUNT = BASE_URI + "account.schema.json"
PAYLOAD = BASE_URI + "accounts-payload.schema.json"
CAPABILITIES = BASE_URI + "capabilities.schema.json"
# The response schema each revision is judged by.
RESPONSES = {2: ACCOUNTS_RESPONSE, 3: BASE_URI + "accounts-response-rev3.schema.json"}


def schema_dir() -> Path:
    """Where the schema files are: the repository's schemas/ first, then the packaged copy."""
    checkout = Path(__file__).resolve().parents[3] / "schemas"
    if (checkout / "openapi.yaml").is_file():
        return checkout
    return Path(str(resources.files("genviral_contract") / "schemas"))


@cache
def documents() -> dict[str, dict[str, Any]]:
    """Every JSON Schema document, keyed by its ``$id`` resolved against ``BASE_URI``."""
    docs: dict[str, dict[str, Any]] = {}
    for path in sorted(schema_dir().glob("*.schema.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        docs[urljoin(BASE_URI, doc["$id"])] = doc
    return docs


@cache
def documents_for(contract: Contract = DEFAULT) -> dict[str, dict[str, Any]]:
    """The documents as ``contract`` reads them: the files, with its extension values added to
    the account's enums (the files themselves stay closed)."""
    if not contract.extensions:
        return documents()
    docs = copy.deepcopy(documents())
    account = docs[ACCOUNT]["properties"]
    for name, values in contract.extensions:
        account[name]["enum"] = [*account[name]["enum"], *(v for v in values if v not in account[name]["enum"])]
    return docs


@cache
def registry(contract: Contract = DEFAULT) -> Registry[Any]:
    resources_ = [
        (uri, Resource.from_contents(doc, default_specification=DRAFT202012))
        for uri, doc in documents_for(contract).items()
    ]
    # Nothing is ever fetched: a $ref outside the registry is an error, not a download.
    return Registry().with_resources(resources_).crawl()


@cache
def explainer(contract: Contract = DEFAULT) -> Draft202012Validator:
    """The python-jsonschema validator: slow, but it says exactly where and why."""
    # Entering through a $ref gives the document its absolute base URI (its own $id is relative).
    return Draft202012Validator({"$ref": RESPONSES[contract.revision]}, registry=registry(contract))


@cache
def fast(contract: Contract = DEFAULT) -> jsonschema_rs.Validator:
    """The jsonschema-rs validator: the fast yes/no on the happy path."""
    rs_registry = jsonschema_rs.Registry(list(documents_for(contract).items()))
    return jsonschema_rs.validator_for({"$ref": RESPONSES[contract.revision]}, registry=rs_registry, offline=True)


def enum(uri: str, name: str, contract: Contract = DEFAULT) -> tuple[str, ...]:
    """The values a schema allows for its property ``name`` (the platform, type and scope
    enums are said once, in the schemas), with ``contract``'s extensions."""
    return tuple(documents_for(contract)[uri]["properties"][name]["enum"])


@cache
def known_properties(uri: str) -> frozenset[str]:
    """The property names a schema documents (its own and its $defs'), for undocumented-field notes."""
    doc = documents()[uri]
    names: set[str] = set()
    for sub in (doc, *doc.get("$defs", {}).values()):
        names.update(name for name, prop in sub.get("properties", {}).items() if prop is not False)
    return frozenset(names)
