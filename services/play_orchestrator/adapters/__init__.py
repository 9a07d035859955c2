"""Adapters of play_orchestrator: SQL repository and stores, timers, outbox writer, queries."""
