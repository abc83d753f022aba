"""/api/v1/contacts: the HTTP face of the ledger's contacts (shared.ledger owns the rules and
the SQL). Scaffolded with `starter generate module contact --template production`."""
