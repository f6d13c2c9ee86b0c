"""Deterministic synthetic telehealth data (never a real person's) for the demo, tests and benchmarks.

Entry points live in `telehealth`: `build`, `build_small`, `build_text_corpus`.
"""
