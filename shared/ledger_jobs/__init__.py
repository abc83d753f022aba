"""The debts ledger's scheduled work, which spans its domains: the reminders run every 5
minutes and the daily clean-up (docs/ledger.md)."""
