"""Domain-free helpers, each module named for what it does."""
