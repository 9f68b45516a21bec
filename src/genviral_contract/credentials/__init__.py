"""Keys that never leave the process: the secret type, the forms a key can take in a text,
masking, and the bad credentials derived from a real key."""
