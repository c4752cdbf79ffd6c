"""Renderers: the dialogue as plain text or Block Kit, reports as JSON, Markdown, blocks, chart."""
