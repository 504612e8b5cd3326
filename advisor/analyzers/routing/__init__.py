"""Routing lever: which calls a cheaper model handles well enough (segments, candidates, curves)."""
