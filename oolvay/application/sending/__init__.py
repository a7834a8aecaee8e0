"""Sending a post's email to its audience: plan it, send it in batches, watch it, resend it."""
