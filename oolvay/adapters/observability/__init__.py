"""Logging set-up."""
