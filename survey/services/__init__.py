"""Domain operations without Flask: each takes a Session, flushes, and never commits."""
