"""The dialogue core: the interview state machine and the typed-answer parser (pure, no I/O)."""
