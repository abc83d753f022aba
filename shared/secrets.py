"""The one way to read a secret: by Secrets Manager ARN, through Powertools Parameters.

Values are cached for five minutes per execution environment, so a rotation reaches warm
functions without a deploy. Secret values never sit in environment variables outside dev/test
(settings refuse inline secrets there): a function's configuration is readable by anyone who may
describe it.
"""

from __future__ import annotations

MAX_AGE_SECONDS = 300


def secret_value(arn: str) -> str:
    # Imported here: functions that read no secret do not pay for Powertools Parameters.
    from aws_lambda_powertools.utilities.parameters import get_secret

    return str(get_secret(arn, max_age=MAX_AGE_SECONDS))


def inline_or_secret(inline: str | None, arn: str | None) -> str | None:
    """The secret named by `arn` when set (deployed stacks), else the inline dev/test value."""
    if arn:
        return secret_value(arn)
    return inline or None
