"""Entities, value objects and rules of publishing and notifying.

Imports nothing but the standard library and attrs.
"""
