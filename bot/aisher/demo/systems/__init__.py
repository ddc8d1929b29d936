"""The systems the demo breaks, one module each."""
