"""Capacity lever: hourly demand, traffic stability verdict, reserved vs on-demand workers."""
