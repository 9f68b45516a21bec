"""The mark a run's own requests carry, so that a server's logs find them.

Access logs keep the request line, the status, the time and the ``User-Agent`` by default
(the combined log format of nginx and Apache, load balancers' and CDNs' logs); a header of
the suite's own invention is kept only where someone configured it. So the suite's own
requests say ``User-Agent: genviral-contract/0.2.0 run/<run id> seq/<n>``: the run's id,
which the run's header prints, and the request's number in the run, which a failure
prints. Only the suite's own shape carries it: the client shapes (shapes.py) send what the
clients they imitate send, and a mark would make them something else.
"""

from __future__ import annotations

import secrets
import time

from genviral_contract import __version__

# The suite's own User-Agent, before the run's mark is added to it.
AGENT = f"genviral-contract/{__version__}"


def new_run_id() -> str:
    """A run's id: when it started (UTC, so that ids sort by time) and six random hex digits."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


def marked(agent: str, run_id: str | None, seq: int) -> str:
    """``agent``, marked with the run and the request's number when it is the suite's own;
    any other User-Agent (a client shape's, schemathesis' own) as it is."""
    if run_id is None or not (agent == AGENT or agent.startswith(AGENT + " run/")):
        return agent
    return f"{AGENT} run/{run_id} seq/{seq}"
