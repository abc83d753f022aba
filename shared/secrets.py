"""The one way to read a secret: by Secrets Manager ARN, through Powertools Parameters.

Values are cached for five minutes per execution environment, so a rotation reaches warm
functions without a deploy. Secret values never sit in environment variables outside dev/test
(settings refuse inline secrets there): a function's configuration is readable by anyone who may
describe it.
"""

from __future__ import annotations

from typing import Any

from shared import aws

MAX_AGE_SECONDS = 300

# (client, provider): the provider wraps the factory's client, so it follows aws.reset().
_cached: tuple[Any, Any] | None = None


def secret_value(arn: str) -> str:
    global _cached
    # Imported here: functions that read no secret do not pay for Powertools Parameters.
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    client = aws.secretsmanager()
    if _cached is None or _cached[0] is not client:
        _cached = (client, SecretsProvider(boto3_client=client))
    return str(_cached[1].get(arn, max_age=MAX_AGE_SECONDS))


def inline_or_secret(inline: str | None, arn: str | None) -> str | None:
    """The secret named by `arn` when set (deployed stacks), else the inline dev/test value."""
    if arn:
        return secret_value(arn)
    return inline or None
