"""Renderers: the same `Report` as terminal text, JSON, or Slack Block Kit."""
