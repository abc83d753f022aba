"""/api/v1/sync: push and pull for offline-first clients (shared.ledger.sync holds the
protocol; docs/ledger.md describes it)."""
