"""Synthetic letters: realistic, reproducible and labelled as synthetic."""
