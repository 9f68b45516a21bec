"""The promises and the verdict on one answer: rules, schemas, semantic checks, strict JSON,
HTTP fields, findings, and the promises that span a run. Pure: no I/O beyond reading the
shipped schema files, no pytest, no command line."""
