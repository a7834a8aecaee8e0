"""Markdown to safe HTML (markdown-it-py, then nh3), for the public pages and the emails."""
