"""The ways an exchange with the target ends without an answer to judge.

Every message is masked before it is raised: a target's words and a request's URL can
carry a key, and these messages reach the terminal, the reports and the logs.
"""

from __future__ import annotations


class TargetError(Exception):
    """The target did not answer (timeout, refused or dropped connection); message is masked.

    ``request``: the request that got no answer (a ``requests.PreparedRequest``), which the
    session sets, so that a failure can show it as a command; None before it was made."""

    request: object = None


class NotJudged(TargetError):
    """No answer to judge, through no fault of the target's contract: the test cannot be
    judged (neither passed nor a broken rule)."""


class NotSent(NotJudged):
    """The request was not sent: the run's request budget is spent."""


class RateLimited(NotJudged):
    """The target kept rate-limiting past the run's wait budget."""


class TooLarge(Exception):
    """The body passed the size cap."""
