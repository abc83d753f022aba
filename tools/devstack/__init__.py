"""The one-command local stack: template.yaml's functions, queues and schedules, no AWS or Docker.

`python -m tools.devstack` (or `starter local up`) starts PostgreSQL, applies migrations, runs a
moto server with the template's queues, serves every HttpApi route on one port, polls SQS event
sources with Lambda's semantics and fires schedules. Every invocation goes through the function's
real handler with a real event.
"""
