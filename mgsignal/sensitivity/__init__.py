"""Sensitivity analysis (placeholder during development)."""
