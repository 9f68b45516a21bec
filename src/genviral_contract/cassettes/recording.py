"""Recording and replaying scenario cassettes with vcrpy: no secret on disk, no data lost.

- Redaction: vcrpy's filters cover the request (headers, query, body); responses get
  their own hook, which drops Set-Cookie and masks every key of the run, and anything of
  the documented key shape, in headers and body. A last check refuses to write a file in
  which a key survived.
- Atomic writes: pytest-recording implements ``rewrite`` by deleting the cassette before
  the test; here the old file is never read instead, and a cassette replaces it (temp
  file, ``os.replace``) only once the scenario's request completed. A failed request or an
  interrupted run leaves the committed file as it was.
- Matching on method and path only: staging and the embedded server differ in host and
  port, and the key must not matter.
- Unpatching before writing: every cassette context of this project is a :class:`CassetteContext`,
  so that a write that fails cannot leave vcrpy's patches installed (see there). vcrpy and
  pytest-recording offer no hook for the context itself, so :meth:`Recorder.configure`
  (pytest-recording's ``pytest_recording_configure`` hook) replaces ``use_cassette`` on the
  VCR it is given: pytest-recording asks that very VCR for the test's context right after
  the hook. pyproject.toml caps pytest-recording below its next minor release, and
  tests/unit/cassettes/test_borrowed_vcrpy.py says so in one line if pytest-recording stops.
- A capped read: while a cassette context is in use, vcrpy's own read of an answer it
  records stops at the body cap, as the session's does (recording_cap.py).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from genviral_contract.artefacts import write_atomic
from genviral_contract.cassettes import format as cassettes
from genviral_contract.cassettes.recording_cap import cap_recording
from genviral_contract.cassettes.scenarios import SCENARIOS, Scenario
from genviral_contract.contract.endpoint import BASE_PATH
from genviral_contract.credentials.masking import leaks, mask, masked_url
from genviral_contract.credentials.secret import Secret
from genviral_contract.http.backoff import RETRY_STATUSES, SLOW_DOWN
from genviral_contract.http.exchange import Exchange
from genviral_contract.http.session import TargetSession, fetch
from genviral_contract.http.watchdog import each_connection

if TYPE_CHECKING:
    from types import TracebackType

    from vcr import VCR
    from vcr.cassette import Cassette, CassetteContextDecorator

REDACTED = "<redacted>"
# The user property under which a scenario says it kept its previous cassette, and why.
KEPT = "contract_cassette_kept"
# Key material found in any text (an echo in a body, a header). Letters and digits, so that
# at replay the contract's echo rule still takes it for a key (credentials/forms.py, echo_fragments).
REDACTED_KEY = "<redacted-key-0>"
MATCH_ON = ("method", "path")
SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie", "x-api-key", "x-genviral-api-key")
# Names APIs commonly carry credentials under, in a query string or a form/JSON body.
KEY_PARAMETERS = (
    "api_key",
    "apikey",
    "key",
    "token",
    "access_token",
    "auth",
    "authorization",
    "secret",
    "client_secret",
    "password",
)


def _keep_scheme(key: str, value: str, request: Any) -> str:
    # "Bearer <redacted>" still says how the request authenticated; the token is gone.
    scheme, _, token = value.strip().partition(" ")
    return f"{scheme} {REDACTED}" if token else REDACTED


class Redactor:
    """Masks every form of the run's keys (read when used: keys are added as targets open)
    and key-shaped text, as :func:`credentials.mask` does for output."""

    def __init__(self, secrets: Iterable[Secret]) -> None:
        self._secrets = secrets

    def __deepcopy__(self, memo: dict[int, Any]) -> Redactor:
        # pytest-recording deep-copies vcr_config; a copy would freeze the set of keys (and
        # a Secret refuses to be copied out of the process anyway).
        return self

    def text(self, text: str) -> str:
        # No Bearer rule: "Bearer <redacted>" from the header filter stays as it is.
        return mask(text, *self._secrets, marker=REDACTED_KEY, bearer=False)

    def bytes(self, data: bytes) -> bytes:
        # Latin-1 maps each byte to one character and back: UTF-8 text survives the trip.
        return self.text(data.decode("latin-1")).encode("latin-1")

    def leaks(self, text: str) -> bool:
        return leaks(text, self._secrets)

    def request(self, request: Any) -> Any:
        """vcrpy's before_record_request, after its own filters: whatever they did not know about."""
        request.uri = self.text(request.uri)
        request.headers = {name: self.text(value) for name, value in request.headers.items()}
        if isinstance(request.body, bytes):
            request.body = self.bytes(request.body)
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        """vcrpy's before_record_response (after decoding a compressed body): no cookie, no key."""
        response["headers"] = {
            name: [self.text(v) for v in values]
            for name, values in response["headers"].items()
            if name.lower() != "set-cookie"
        }
        body = response["body"].get("string")
        if isinstance(body, bytes):
            response["body"]["string"] = self.bytes(body)
        return response


def vcr_config(redactor: Redactor) -> dict[str, Any]:
    """Keyword arguments for ``VCR.use_cassette`` (pytest-recording's ``vcr_config``)."""
    return {
        "match_on": MATCH_ON,
        "decode_compressed_response": True,
        "filter_headers": [
            (name, _keep_scheme if name.endswith("authorization") else REDACTED) for name in SECRET_HEADERS
        ],
        "filter_query_parameters": [(name, REDACTED) for name in KEY_PARAMETERS],
        "filter_post_data_parameters": [(name, REDACTED) for name in KEY_PARAMETERS],
        "filter_nested_post_data_parameters": True,
        "before_record_request": redactor.request,
        "before_record_response": redactor.response,
    }


def _header(path: Path) -> str:
    scenario = SCENARIOS.get(path.stem)
    if scenario is None:
        return ""
    return (
        f"# Scenario {scenario.name}: {scenario.description}.\n"
        f"# {scenario.request_line()}; the contract expects HTTP {scenario.status} ({scenario.rule}).\n"
        f"# Keys and cookies are redacted. Re-record: {cassettes.rerecord_command(scenario.name)}\n"
    )


class Persister:
    """vcrpy's persister interface, for scenario cassettes.

    ``recorder`` None is the replay: a missing or broken file is a CassetteError, and
    nothing is ever written. Otherwise missing and empty files count as not recorded yet
    (as vcrpy does), and a save goes through :meth:`Recorder.may_replace`.

    Inside a :class:`CassetteContext` a save only hands the cassette over; the context
    writes it once vcrpy has removed its patches.
    """

    def __init__(self, recorder: Recorder | None = None) -> None:
        self.recorder = recorder
        self._held: list[tuple[Path, dict[str, Any]]] | None = None

    def load_cassette(self, cassette_path: str | os.PathLike[str], serializer: Any) -> Any:
        from vcr.persisters.filesystem import CassetteNotFoundError
        from vcr.serialize import deserialize

        path = Path(cassette_path)
        recorder = self.recorder
        if recorder is not None and (recorder.fresh or not path.is_file()):
            raise CassetteNotFoundError()
        try:
            text = cassettes.read_text(path)
        except cassettes.CassetteError as exc:
            if recorder is not None and exc.problem == cassettes.EMPTY:
                raise CassetteNotFoundError() from None
            raise
        try:
            return deserialize(text, cassettes)
        except cassettes.FormatError as exc:
            raise cassettes.CassetteError(path, str(exc)) from None

    def save_cassette(
        self, cassette_path: str | os.PathLike[str], cassette_dict: dict[str, Any], serializer: Any
    ) -> None:
        if self._held is not None:
            self._held.append((Path(cassette_path), cassette_dict))  # nothing here can fail
        else:
            self.write(Path(cassette_path), cassette_dict)

    def write(self, path: Path, cassette_dict: dict[str, Any]) -> None:
        from vcr.serialize import serialize

        if self.recorder is None:
            raise RuntimeError(f"a replay does not write cassettes ({cassettes.display(path)})")
        if not self.recorder.may_replace(path):
            return
        text = _header(path) + serialize(cassette_dict, cassettes)
        if self.recorder.redactor.leaks(text):
            # Never name the value: the message would be the leak.
            raise RuntimeError(f"not writing {cassettes.display(path)}: a key survived redaction")
        write_atomic(path, text, "cassette")

    def hold(self) -> list[tuple[Path, dict[str, Any]]] | None:
        """Keep saves from now on; returns what to give :meth:`release` (an enclosing hold)."""
        outer, self._held = self._held, []
        return outer

    def release(self, outer: list[tuple[Path, dict[str, Any]]] | None) -> list[tuple[Path, dict[str, Any]]]:
        """Stop keeping saves; returns the ones kept since the matching :meth:`hold`."""
        held, self._held = self._held or [], outer
        return held


class CassetteContext:
    """vcrpy's ``use_cassette`` context, with the cassette written after vcrpy unpatched.

    vcrpy's ``CassetteContextDecorator.__exit__`` saves the cassette first and removes its
    patches (urllib3's connection classes, http.client's) only then. A save that raises (a
    key survived redaction, a full disk, Ctrl-C during the write) skips the unpatching: the
    patches stay installed, held by a suspended generator in a reference cycle, until the
    garbage collector closes it at some later, arbitrary point. That is usually inside
    another cassette: mock restores the classes it saved, the live cassette loses its
    patches, and its requests go to the network - a replay that does not replay, a
    recording that records nothing. Until then, code outside any cassette runs through the
    stale one.

    Here vcrpy's save only hands the cassette to the persister (which cannot fail), vcrpy
    unpatches, and then the cassette is written: a failed write raises with every patch gone.

    While the context is in use, vcrpy's read of an answer it records is capped (recording_cap.py).
    """

    def __init__(self, context: CassetteContextDecorator, persister: Persister) -> None:
        self._context = context
        self._persister = persister
        self._outer: list[tuple[Path, dict[str, Any]]] | None = None
        self._capping = contextlib.ExitStack()

    def __enter__(self) -> Cassette:
        self._outer = self._persister.hold()
        self._capping.enter_context(each_connection(cap_recording))
        try:
            return self._context.__enter__()
        except BaseException:
            self._capping.close()
            self._persister.release(self._outer)
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        try:
            self._context.__exit__(exc_type, exc, traceback)  # saves (into the hold), then unpatches
        finally:
            self._capping.close()
            held = self._persister.release(self._outer)
        for path, cassette_dict in held:
            self._persister.write(path, cassette_dict)


class Recorder:
    """One run's recording: where cassettes go, whether old ones are read, which may be replaced."""

    def __init__(self, directory: Path, *, fresh: bool, secrets: Iterable[Secret]) -> None:
        self.directory = directory
        self.fresh = fresh  # --record-mode=rewrite: the old file is replaced, never read
        self.redactor = Redactor(secrets)
        self._completed: set[Path] = set()

    def vcr_config(self) -> dict[str, Any]:
        return vcr_config(self.redactor)

    def configure(self, vcr: VCR) -> None:
        """pytest-recording's ``pytest_recording_configure``: claim the VCRs that record here."""
        if Path(vcr.cassette_library_dir or "").resolve() != self.directory.resolve():
            return  # somebody else's cassettes, in a project that also uses pytest-recording
        vcr.register_serializer("yaml", cassettes)
        persister = Persister(self)
        vcr.register_persister(persister)
        use_cassette = vcr.use_cassette

        def use_written_after_unpatching(path: str, **kwargs: Any) -> CassetteContext:
            return CassetteContext(use_cassette(path, **kwargs), persister)

        # pytest-recording asks this VCR for the scenario's context right after this hook.
        vcr.use_cassette = use_written_after_unpatching

    def completed(self, cassette_path: str | os.PathLike[str]) -> None:
        """The scenario's request finished (whatever the contract thinks of the answer)."""
        self._completed.add(Path(cassette_path).resolve())

    def may_replace(self, cassette_path: Path) -> bool:
        return cassette_path.resolve() in self._completed


def replay(path: Path) -> CassetteContext:
    """The cassette at ``path`` as vcrpy's record mode ``none`` plays it, with this project's format."""
    from vcr import VCR

    vcr = VCR(record_mode="none", match_on=MATCH_ON)
    vcr.register_serializer("yaml", cassettes)
    persister = Persister()
    vcr.register_persister(persister)
    return CassetteContext(vcr.use_cassette(str(path)), persister)


# What a replay presents as its key: the recorded one is gone, but a body that echoed it now
# holds the redaction marker, so ERR-NO-CREDENTIAL-ECHO still sees the echo.
REPLAYED_KEY = Secret(f"Bearer {REDACTED_KEY}", "redacted key")


def replayed_credential(scenario: Scenario) -> Secret | None:
    return None if scenario.auth == "none" else REPLAYED_KEY


def replay_scenario(path: Path, scenario: Scenario, session: TargetSession) -> Exchange:
    """Send the scenario's request through ``session`` and let the cassette answer it.

    CassetteError (naming the file, the scenario and the re-record command) when the file
    is missing, empty or malformed, or holds no answer for the request.
    """
    from vcr.errors import CannotOverwriteExistingCassetteException

    recorded = cassettes.load(path)
    # The scenario's request, sent where it was recorded: matching ignores host and port anyway.
    parts = urlsplit(recorded[0].uri)
    base = parts.path.removesuffix("/accounts") if parts.path.endswith("/accounts") else BASE_PATH
    url = urlunsplit((parts.scheme, parts.netloc, base + "/accounts", "", ""))
    try:
        with replay(path):
            return fetch(session, url, role=scenario.role, authorization=replayed_credential(scenario))
    except CannotOverwriteExistingCassetteException:
        retried = recorded[-1].status in RETRY_STATUSES | SLOW_DOWN
        why = f" (the client retried the recorded HTTP {recorded[-1].status})" if retried else ""
        raise cassettes.CassetteError(path, f"has no recording for GET {masked_url(url)}{why}") from None
