"""The HTTP adapter: the FastAPI app for editors and subscribers."""
