"""HTTP fields the caching, content-coding and charset rules read, parsed as their RFCs define
them: ``Cache-Control`` (RFC 9111 §5.2), ``Accept-Encoding`` and ``Content-Encoding`` (RFC 9110
§12.5.3, §8.4), ``Expires`` (RFC 9111 §5.3), the parameters of ``Content-Type`` (RFC 9110
§8.3.1, §5.6.6).

Parsing is lenient where the RFCs tell recipients to be (unknown directives, either form of
an argument, odd case and whitespace) and never guesses a meaning a cache would not give.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import Message

# token = 1*tchar (RFC 9110 §5.6.2)
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
# One list member: a token, optionally "=" and a token or a quoted-string (RFC 9110 §5.6.4),
# up to the next comma outside quotes. Whatever does not fit is skipped to that comma.
_MEMBER = re.compile(
    rf"""[ \t]*(?P<name>{_TOKEN})[ \t]*
    (?:=[ \t]*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^,"\s]*)))?[ \t]*(?:,|$)""",
    re.VERBOSE,
)
_JUNK = re.compile(r'(?:[^,"]|"(?:[^"\\]|\\.)*"?)*,?')
_QUOTED_PAIR = re.compile(r"\\(.)")
# weight = OWS ";" OWS "q=" qvalue; qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
_QVALUE = re.compile(r"(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)")


@dataclass(frozen=True)
class Directive:
    name: str  # lower-cased: directive names are case-insensitive (RFC 9111 §5.2)
    argument: str | None  # unquoted; None when the directive has none


def directives(value: str) -> Iterator[Directive]:
    """The directives of a Cache-Control value (several field lines joined by commas, as
    RFC 9110 §5.3 allows), in order; a member that is no directive is skipped."""
    at = 0
    while at < len(value):
        found = _MEMBER.match(value, at)
        if found is None:
            junk = _JUNK.match(value, at)
            at = junk.end() if junk is not None and junk.end() > at else at + 1
            continue
        at = found.end()
        quoted, bare = found.group("quoted"), found.group("bare")
        argument = _QUOTED_PAIR.sub(r"\1", quoted) if quoted is not None else bare
        yield Directive(found.group("name").lower(), argument)


@dataclass(frozen=True)
class CacheControl:
    """What a Cache-Control value lets caches do, directive by directive."""

    found: tuple[Directive, ...]

    @classmethod
    def parse(cls, value: str | None) -> CacheControl:
        return cls(tuple(directives(value or "")))

    def first(self, name: str) -> Directive | None:
        # A directive given twice: "the first occurrence should be used" (RFC 9111 §4.2.1).
        return next((d for d in self.found if d.name == name), None)

    def has(self, name: str) -> bool:
        return self.first(name) is not None

    def unqualified(self, name: str) -> bool:
        """``private`` or ``no-cache`` in its unqualified form: a field-name list limits it to
        those fields (RFC 9111 §5.2.2.4, §5.2.2.7), so it says nothing of the rest."""
        return any(d.name == name and not d.argument for d in self.found)

    def seconds(self, name: str) -> int | None:
        """A delta-seconds argument (``max-age``, ``s-maxage``), in either form (RFC 9111 §5.2);
        None when the directive is absent or its argument is not a number."""
        directive = self.first(name)
        if directive is None or directive.argument is None:
            return None
        text = directive.argument
        return int(text) if text.isascii() and text.isdigit() else None


def expires_later(expires: str | None, date: str | None, now: datetime | None = None) -> bool:
    """Whether an Expires value lies after the answer's Date (else now): an invalid date,
    "0" among them, is in the past (RFC 9111 §5.3)."""
    when = _http_date(expires)
    if when is None:
        return False
    base = _http_date(date) or now or datetime.now(timezone.utc)
    return when > base


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    # "-0000" parses to a naive time; HTTP dates are all UTC (RFC 9110 §5.6.7).
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def codings(value: str | None) -> list[str]:
    """The content codings of a Content-Encoding value, in the order applied, lower-cased;
    ``identity`` (no coding) left out."""
    return [_canonical(d.name) for d in directives(value or "") if d.argument is None and d.name.lower() != "identity"]


def accepts(accept_encoding: str | None, coding: str) -> bool:
    """Whether a request with this Accept-Encoding accepts ``coding`` (RFC 9110 §12.5.3).

    No field at all accepts any coding; an empty one accepts none; a coding listed with
    q=0 is refused; ``*`` speaks for every coding not listed.
    """
    if accept_encoding is None:
        return True
    coding = _canonical(coding)
    weights: dict[str, float] = {}
    for member in accept_encoding.split(","):
        name, *params = (part.strip() for part in member.split(";"))
        if not name:
            continue
        weight = 1.0
        for param in params:
            key, _, number = param.partition("=")
            if key.strip().lower() == "q":
                number = number.strip()
                # An invalid weight makes the member say nothing (RFC 9110 §12.4.2 grammar).
                weight = float(number) if _QVALUE.fullmatch(number) else -1.0
        if weight >= 0:
            weights.setdefault(_canonical(name), weight)
    if coding in weights:
        return weights[coding] > 0
    return weights.get("*", 0.0) > 0


def _canonical(coding: str) -> str:
    # "A recipient SHOULD consider "x-gzip" to be equivalent to "gzip"" (RFC 9110 §8.4.1.3).
    coding = coding.strip().lower()
    return {"x-gzip": "gzip", "x-compress": "compress"}.get(coding, coding)


def charsets(content_type: str) -> list[str]:
    """Every ``charset`` parameter of a Content-Type value, unquoted, in order (a value may
    name it twice, and clients differ on which one they take)."""
    header = Message()
    header["Content-Type"] = content_type
    params = header.get_params() or []
    # The first "parameter" is the media type itself; names come lower-cased, values unquoted.
    return [email.utils.collapse_rfc2231_value(value) for name, value in params[1:] if name == "charset"]
