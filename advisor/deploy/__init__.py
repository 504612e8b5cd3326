"""Deploying a run's plan: the exported router (export, thresholds, card, router) and the LiteLLM strategy."""
