"""The module generator: `starter generate module`, `starter revert module`."""
