"""Signed tokens and the secret key that signs them."""
