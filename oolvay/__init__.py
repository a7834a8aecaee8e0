"""Oolvay background jobs: publish a post, email every subscriber who wants it."""
