"""Benchmark harness for issue 6: generated probe worlds at scale, a DuckDB floor, the platform
end to end and a naive pandas peer, measured on the same files (see docs/BENCHMARKS.md)."""
