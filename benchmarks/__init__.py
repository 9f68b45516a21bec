"""Benchmarks of genviral-contract: plain Python, no pytest; ``python benchmarks/run.py``.

One module per job: ``timing`` (best-of-N clocks), ``validation`` (the validator next to
``json.loads``), ``cli_cost`` (the validate CLI), ``suite_runs`` (one run of the contract
suite, read from the plugin's JSON report), ``live`` (a live run next to schemathesis'),
``rate_limited`` (a live run against a rate-limited target, with and without pacing),
``goals`` (the issue's goals, as a table), ``printer`` (the text report) and ``run`` (the
command line). ``requests_by_test`` is a pytest plugin that ``live`` loads on request.
"""
