"""Reaching a target, with no rules: one small module per concern.

``session`` (TargetSession, fetch: what every live request goes through), ``exchange``
(an answer as the rules see it), ``errors`` (the ways an exchange brings nothing to judge),
``watchdog`` (each attempt's deadline), ``body`` (the body read under the size cap),
``informational`` (1xx answers read past), ``backoff`` (when to ask again), ``limits`` (the
run's budget, pace and in-flight cap, across processes), ``network`` (proxies and CA
bundles), ``shapes`` (the clients the suite asks as), ``transport_errors`` (a failure in
the target's terms) and ``sizes``.

It imports the contract and the credentials only: cassettes, configuration, the plugin and
the command line build on it, never the other way round.
"""
