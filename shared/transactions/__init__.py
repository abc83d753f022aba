"""/api/v1/transactions and /api/v1/balances: the HTTP face of the ledger's transactions and
balances (shared.ledger owns the rules and the SQL). Scaffolded with
`starter generate module transaction --template production`."""
