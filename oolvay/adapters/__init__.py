"""Adapters: each translates between one technology and the application's ports."""
