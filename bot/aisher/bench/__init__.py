"""`aisher bench`: benchmarks that print figures and ratios against the quality targets."""
