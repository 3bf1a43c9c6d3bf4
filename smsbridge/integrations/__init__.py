"""Integrations with frameworks and queue engines, each behind its own extra."""
