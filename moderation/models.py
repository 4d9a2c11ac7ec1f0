"""Moderation models (policy registry, reports, actions, strikes, appeals)."""
