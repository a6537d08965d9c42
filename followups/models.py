"""Customer care: follow-ups, care plans, campaigns and surveys."""
