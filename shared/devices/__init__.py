"""Push devices (/api/v1/devices): a user's devices, each an Amazon SNS platform endpoint that
reminders are pushed to. Scaffolded with `starter generate module device --template production`."""
