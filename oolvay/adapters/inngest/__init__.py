"""The Inngest adapter: client, typed events, worker functions, serve(), InngestJobQueue."""
