"""Prompt lever: token composition, history summarization, provider prompt caching."""
