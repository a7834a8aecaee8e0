"""The RateLimiter port on pyrate-limiter: GCRA state in the database or in Redis."""
