"""Email: the SMTP mailer, the local mailbox and the notification templates."""
