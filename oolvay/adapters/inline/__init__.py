"""The inline queue: jobs run at once, in the caller."""
