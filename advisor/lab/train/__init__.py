"""Training of the shipped models (router, cache calibration) from real data."""
