"""Aisher explains production errors from the traces and logs SigNoz keeps in ClickHouse."""

__version__ = "0.1.0"
