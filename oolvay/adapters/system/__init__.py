"""Adapters to the operating system: the clock."""
