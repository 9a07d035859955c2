"""Backtest: replay the ingest journal through the live handlers and the pure
domain, in process, with in-memory ports (no broker, no writes to live tables),
and compare what a catalog would have done with how the real plays ended."""
