"""Adapters of signal_ingest's ports: PostgreSQL repositories, the outbox sink,
the in-process state cache and the state codec."""
