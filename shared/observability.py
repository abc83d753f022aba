"""Powertools Logger, Tracer and Metrics: created once per execution environment.

Service name, log level and metrics namespace come from the POWERTOOLS_* environment variables
that template.yaml sets globally.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
