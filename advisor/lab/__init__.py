"""Tooling the product never imports (only advisor.cli does): synthetic logs, evaluation, benchmarks, training."""
