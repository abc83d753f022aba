"""Identity: accounts, passwords, sessions, API keys, roles and the audit trail of who changed
whom. One package because authentication and user management share the users table."""
