"""A credential in a shell command, never its value.

A failure prints the request behind it as a command to run again (http/curl.py), and the
command must send what the suite sent without holding a key. So a key is written as the
variable it was read from (``$GENVIRAL_WORKSPACE_API_KEY``); a credential made from a key
as the shell expression that makes it from that variable, where one does exactly (the
probes, probes.py), else as a placeholder that says what it was; a credential that holds
no key (a malformed header, generated junk) as it is.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence

from genviral_contract.credentials.masking import leaks
from genviral_contract.credentials.secret import Secret

# (text, expands): an expression the shell expands inside double quotes ($VAR, ${VAR%?},
# $(...)), or text to send as it is.
Part = tuple[str, bool]

# What a shell does something with inside double quotes; "!" too, which an interactive bash
# expands from its history.
_SPECIAL_IN_DOUBLE_QUOTES = frozenset('"$`\\!')


def placeholder(credential: Secret) -> str:
    """What stands for a credential that no shell expression makes: never its value."""
    return f"<the {credential.label}, not shown>"


def parts(credential: Secret, secrets: Iterable[Secret] = ()) -> tuple[Part, ...]:
    """``credential`` as a shell writes it: its own expression when it has one; else its text
    with each key of ``secrets`` that comes from a variable written as that variable. When
    anything of a secret is left in the text (a key in another form), a placeholder."""
    if credential.shell is not None:
        return ((credential.shell, True),)
    known = list(secrets)
    named = sorted((s for s in known if s.variable and s.reveal()), key=lambda s: -len(s.reveal()))
    found: list[Part] = [(credential.reveal(), False)]
    for secret in named:
        split: list[Part] = []
        for text, expands in found:
            if expands:
                split.append((text, expands))
                continue
            pieces = text.split(secret.reveal())
            for i, piece in enumerate(pieces):
                if i:
                    split.append((f"${{{secret.variable}}}", True))
                if piece:
                    split.append((piece, False))
        found = split
    if any(not expands and leaks(text, known) for text, expands in found):
        return ((placeholder(credential), False),)
    return tuple(found)


def display(found: Sequence[Part]) -> str:
    """The parts as one line of text (a report, a HAR header): ``Bearer $GENVIRAL_WORKSPACE_API_KEY``."""
    return "".join(text for text, _ in found)


def word(found: Sequence[Part]) -> str:
    """The parts as one shell word: the expressions expanded inside double quotes, the rest
    quoted so that the shell passes it on as it is."""
    if not any(expands for _, expands in found):
        return shlex.quote(display(found))
    if all(expands or not _SPECIAL_IN_DOUBLE_QUOTES & set(text) for text, expands in found):
        return '"' + display(found) + '"'
    return "".join(f'"{text}"' if expands else shlex.quote(text) for text, expands in found if text)
