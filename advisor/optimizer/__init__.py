"""Optimizer: findings -> OptimizerInputs -> PuLP program -> Plan (with sensitivity and frontier)."""
