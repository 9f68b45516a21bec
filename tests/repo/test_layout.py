"""Each layer of the package imports only what docs/layout.md allows it.

The table in docs/layout.md is the data: this test reads it, finds every import of every
module under src/genviral_contract (absolute or relative, at the top or inside a function),
and names each one the table does not allow: the file, the line, what it imports, and what
its layer may import.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "genviral_contract"
LAYOUT = ROOT / "docs" / "layout.md"
_TABLE = re.compile(r"<!-- layers:start -->\n(.*?)<!-- layers:end -->", re.S)


@dataclass(frozen=True)
class Layer:
    name: str
    may: frozenset[str] | None  # None: anything
    never: tuple[str, ...]

    def allowed(self) -> str:
        if self.may is None:
            return "anything"
        return ", ".join(sorted(self.may)) if self.may else "nothing of the package"


def read_layers(text: str) -> dict[str, Layer]:
    """The rows of the table between the layers markers: layer, concern, may import, never imports."""
    table = _TABLE.search(text)
    assert table, "docs/layout.md has no table between <!-- layers:start --> and <!-- layers:end -->"
    layers = {}
    for row in table[1].splitlines()[2:]:  # after the header and its rule
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        name = cells[0].strip("`").removesuffix("/").removesuffix(".py")
        may = None if cells[2] == "anything" else frozenset(re.findall(r"`([^`]+)`", cells[2]))
        layers[name] = Layer(name, may, tuple(re.findall(r"`([^`]+)`", cells[3])))
    return layers


def module_name(path: Path, package: Path) -> tuple[str, ...]:
    parts = (package.name, *path.relative_to(package).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def imports(path: Path, package: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in the file, relative ones made absolute. ``from X import
    a`` counts as importing ``X.a`` when that is a module of the package, else ``X``."""
    name = module_name(path, package)
    here = name if path.name == "__init__.py" else name[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the module's own package, one level up per extra dot
                base = ".".join([*here[: len(here) - node.level + 1], *([node.module] if node.module else [])])
            else:
                base = str(node.module)
            for alias in node.names:
                yield node.lineno, _from_target(base, alias.name, package)


def _from_target(base: str, name: str, package: Path) -> str:
    if base.split(".")[0] != package.name:
        return f"{base}.{name}"  # outside the package: ``from http import client`` is http.client
    folder = package.joinpath(*base.split(".")[1:], name)
    return f"{base}.{name}" if folder.with_suffix(".py").is_file() or (folder / "__init__.py").is_file() else base


def _names(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def problems(path: Path, package: Path, layers: dict[str, Layer]) -> Iterator[str]:
    """One line per import of ``path`` that its layer's row does not allow."""
    name = module_name(path, package)
    if len(name) < 2:
        return  # the package's own __init__: __version__ and nothing else
    layer = layers[name[1]]
    where = path.relative_to(package.parents[1])  # as the repository names it: src/genviral_contract/...
    for line, module in imports(path, package):
        forbidden = [prefix for prefix in layer.never if _names(module, prefix)]
        if forbidden:
            yield f"{where}:{line} imports {module}: {layer.name} never imports {', '.join(layer.never)}"
            continue
        parts = module.split(".")
        if parts[0] != package.name or len(parts) < 2 or parts[1] in (layer.name, "__version__"):
            continue
        if layer.may is not None and parts[1] not in layer.may:
            yield f"{where}:{line} imports {module}: {layer.name} may import {layer.allowed()}"


LAYERS = read_layers(LAYOUT.read_text(encoding="utf-8"))


def _modules_of(layer: str) -> list[Path]:
    single = PACKAGE / f"{layer}.py"
    return [single] if single.is_file() else sorted((PACKAGE / layer).rglob("*.py"))


def test_the_table_names_every_layer_of_the_package() -> None:
    on_disk = {p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    on_disk |= {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert set(LAYERS) == on_disk, (
        f"in the package, not the table: {on_disk - set(LAYERS)}; gone: {set(LAYERS) - on_disk}"
    )
    for layer in LAYERS.values():
        assert layer.may is None or layer.may <= set(LAYERS), f"{layer.name} may import an unknown layer"


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_a_layer_imports_only_what_the_table_allows(layer: str) -> None:
    found = [line for path in _modules_of(layer) for line in problems(path, PACKAGE, LAYERS)]
    assert not found, "\n".join(found)


def test_each_kind_of_bad_import_is_named(tmp_path: Path) -> None:
    package = tmp_path / "src" / "genviral_contract"
    for folder in ("contract", "http", "plugin"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text('__version__ = "0"\n')
    (package / "http" / "client.py").write_text("")
    (package / "plugin" / "judge.py").write_text("")
    bad = package / "contract" / "verdict.py"
    bad.write_text(
        "from genviral_contract import __version__\n"  # allowed: every layer may read it
        "from genviral_contract.contract import rules\n"  # allowed: its own layer
        "from genviral_contract.http.client import fetch\n"
        "from ..plugin import judge\n"
        "from genviral_contract import http\n"
        "def later():\n"
        "    import requests\n"
        "    from http import client\n"
    )
    layers = read_layers(LAYOUT.read_text(encoding="utf-8"))
    where, may = "src/genviral_contract/contract/verdict.py", "contract may import credentials"
    never = "contract never imports " + ", ".join(layers["contract"].never)
    assert list(problems(bad, package, layers)) == [
        f"{where}:3 imports genviral_contract.http.client: {may}",
        f"{where}:4 imports genviral_contract.plugin.judge: {may}",
        f"{where}:5 imports genviral_contract.http: {may}",
        f"{where}:7 imports requests: {never}",
        f"{where}:8 imports http.client: {never}",
    ]
