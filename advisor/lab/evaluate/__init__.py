"""Evaluations of advisor's estimators on labelled data (`advisor evaluate ...`): one module each."""
