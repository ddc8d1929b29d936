"""The `aisher` sub-commands, each wiring the parts it needs from the settings."""
