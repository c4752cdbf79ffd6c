"""Bolt listeners, one module per kind of Slack request."""
