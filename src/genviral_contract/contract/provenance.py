"""What judged a run: the tool's version and the contract it judged against (the revision in
force, the schemas' digest), so that a gate's verdict can be traced to the exact rules and
schemas behind it. A team's policy adds its own lines (plugin/accepted.py)."""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

import yaml

from genviral_contract import __version__
from genviral_contract.contract.revision import DEFAULT_REVISION
from genviral_contract.contract.schemas import schema_dir

TOOL = "genviral-contract"


@cache
def contract() -> tuple[str, str]:
    """The default revision (openapi.yaml's ``info.version``, the revision it describes) and a
    digest of every schema file, which changes with any edit a revision number may not show."""
    folder = schema_dir()
    digest = hashlib.sha256()
    for path in sorted([*folder.glob("*.schema.json"), folder / "openapi.yaml"]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    info = yaml.safe_load((folder / "openapi.yaml").read_text(encoding="utf-8"))["info"]
    return str(info["version"]), digest.hexdigest()


def line(revision: int = DEFAULT_REVISION) -> str:
    """The tool and the contract revision in force, in one line."""
    _, digest = contract()
    return f"{TOOL} {__version__}, contract revision {revision} (schemas sha256:{digest[:12]})"


def as_dict(revision: int = DEFAULT_REVISION) -> dict[str, Any]:
    _, digest = contract()
    return {"name": TOOL, "version": __version__, "contract_revision": str(revision), "schemas_sha256": digest}
