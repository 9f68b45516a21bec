"""Cassettes: the recorded answers, their file format, recording and replay, and the
structural differ behind drift."""
