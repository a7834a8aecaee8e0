"""Benchmarks: each script measures one thing the system promises, against its target."""
