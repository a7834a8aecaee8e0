"""Error reporting to Sentry."""
