"""Benchmarks run as modules: python -m tests.benchmarks.<name>. Not collected by pytest."""
