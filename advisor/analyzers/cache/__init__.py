"""Semantic cache lever: replay, threshold sweep, precision calibration, pair labels."""
