"""Operations: Prometheus metrics and other cross-cutting concerns of running Aisher."""
