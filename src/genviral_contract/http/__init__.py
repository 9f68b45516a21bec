"""Reaching a target, with no rules: the session, the run limits, back-off, client shapes,
and transport failures said in the target's terms."""
