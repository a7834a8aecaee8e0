"""The editors' web app, at /editor: sign in, write, publish, watch the send, fix it."""
