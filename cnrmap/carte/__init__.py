"""carte."""
