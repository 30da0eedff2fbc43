"""Benchmarks and measurements: `python -m bench` runs them and writes docs/benchmarks.md and docs/threading.md."""
