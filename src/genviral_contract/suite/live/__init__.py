"""The conformance suite against a live target: every documented question of GET /accounts."""
