"""The run's first sightings of accounts, shared through a file of the run's folder: each
process (here, each store) finds what another wrote first, and its own where it was first."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from genviral_contract.plugin.sightings import SharedFirsts


def _seen(platform: str, where: str) -> list[Any]:
    return [[platform, "byo"], where]


def test_the_first_store_to_write_an_id_is_the_first_for_every_store(tmp_path: Path) -> None:
    a, b = SharedFirsts(tmp_path), SharedFirsts(tmp_path)
    ours = {"acc-1": _seen("tiktok", "worker a")}
    firsts = a.setdefault_many(ours)
    assert firsts["acc-1"] is ours["acc-1"]  # ours, as given: the caller knows it was first
    theirs = {"acc-1": _seen("instagram", "worker b"), "acc-2": _seen("youtube", "worker b")}
    found = b.setdefault_many(theirs)
    assert found["acc-1"] == ours["acc-1"]
    assert found["acc-2"] is theirs["acc-2"]
    assert a.setdefault_many({"acc-2": _seen("linkedin", "worker a")})["acc-2"] == theirs["acc-2"]


def test_a_first_sighting_once_read_costs_no_file_access(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SharedFirsts(tmp_path)
    store.setdefault_many({"acc-1": _seen("tiktok", "here")})
    monkeypatch.setattr(os, "open", lambda *args, **kwargs: pytest.fail("the file was opened again"))
    assert store.setdefault_many({"acc-1": _seen("instagram", "later")})["acc-1"][0] == ["tiktok", "byo"]


def test_without_a_folder_the_sightings_are_the_process_own() -> None:
    store = SharedFirsts(None)
    ours = {"acc-1": _seen("tiktok", "here")}
    assert store.path is None
    assert store.setdefault_many(ours)["acc-1"] is ours["acc-1"]
    assert SharedFirsts(None).setdefault_many({"acc-1": _seen("x", "there")})["acc-1"][1] == "there"
