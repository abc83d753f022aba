"""Devices: register and unregister push tokens as SNS platform endpoints, the way SNS asks for
it (create, and when the token already has an endpoint with other attributes, take that one
over). Without a platform application configured (the local stack), a device gets a local
endpoint and pushes to it are only logged."""

from __future__ import annotations

import re
from uuid import UUID

from shared import aws, db
from shared.devices.schemas import DeviceIn, DeviceOut, Platform
from shared.errors import NotFound, ValidationFailed
from shared.settings import get_settings
from shared.tasks.handlers.push import LOCAL_ENDPOINT

_EXISTING = re.compile(r"Endpoint (arn:\S+) already exists")
COLUMNS = "device_id, platform, created_at, updated_at"


def _application(platform: Platform) -> str | None:
    ledger = get_settings().ledger
    if platform is Platform.APNS:
        return ledger.push_apns_application_arn
    return ledger.push_fcm_application_arn


def _endpoint(owner: UUID, body: DeviceIn) -> str:
    application = _application(body.platform)
    if not application:
        return f"{LOCAL_ENDPOINT}{owner}/{body.device_id}"
    sns = aws.sns()
    attributes = {"Token": body.token, "Enabled": "true", "CustomUserData": str(owner)}
    try:
        return sns.create_platform_endpoint(
            PlatformApplicationArn=application, Token=body.token, CustomUserData=str(owner)
        )["EndpointArn"]
    except sns.exceptions.InvalidParameterException as error:
        existing = _EXISTING.search(str(error))
        if existing is None:  # e.g. a token the platform does not accept
            raise ValidationFailed("token", "the push service refused it") from None
    sns.set_endpoint_attributes(EndpointArn=existing.group(1), Attributes=attributes)
    return existing.group(1)


def register(owner: UUID, body: DeviceIn) -> DeviceOut:
    """Create or refresh the device's endpoint (registering again is how a token rotates)."""
    endpoint = _endpoint(owner, body)
    row = (
        db.connection()
        .execute(
            f"""WITH previous AS (SELECT endpoint_arn FROM devices
                              WHERE owner_id = %(owner)s AND device_id = %(device)s)
            INSERT INTO devices (owner_id, device_id, platform, token, endpoint_arn)
            VALUES (%(owner)s, %(device)s, %(platform)s, %(token)s, %(endpoint)s)
            ON CONFLICT (owner_id, device_id) DO UPDATE SET platform = EXCLUDED.platform,
                token = EXCLUDED.token, endpoint_arn = EXCLUDED.endpoint_arn, updated_at = now()
            RETURNING {COLUMNS}, (SELECT endpoint_arn FROM previous) AS previous""",  # noqa: S608
            {
                "owner": owner,
                "device": body.device_id,
                "platform": body.platform.value,
                "token": body.token,
                "endpoint": endpoint,
            },
        )
        .fetchone()
    )
    assert row is not None
    if row["previous"] not in (None, endpoint):  # the old token's endpoint would linger
        _delete_endpoint(row["previous"])
    return DeviceOut.model_validate(row)


def unregister(owner: UUID, device_id: str) -> None:
    row = (
        db.connection()
        .execute(
            "DELETE FROM devices WHERE owner_id = %s AND device_id = %s RETURNING endpoint_arn",
            (owner, device_id),
        )
        .fetchone()
    )
    if row is None:
        raise NotFound("Device not found")
    _delete_endpoint(row["endpoint_arn"])


def _delete_endpoint(endpoint: str) -> None:
    if not endpoint.startswith(LOCAL_ENDPOINT):
        aws.sns().delete_endpoint(EndpointArn=endpoint)  # idempotent in SNS


def list_devices(owner: UUID) -> list[DeviceOut]:
    rows = (
        db.connection()
        .execute(
            f"SELECT {COLUMNS} FROM devices WHERE owner_id = %s ORDER BY device_id",  # noqa: S608
            (owner,),
        )
        .fetchall()
    )
    return [DeviceOut.model_validate(r) for r in rows]


def endpoints(owners: list[UUID]) -> dict[UUID, list[str]]:
    """Every device endpoint of each user, for the reminders job."""
    rows = (
        db.connection()
        .execute(
            """SELECT owner_id, endpoint_arn FROM devices WHERE owner_id = ANY(%s)
               ORDER BY device_id""",
            (owners,),
        )
        .fetchall()
    )
    found: dict[UUID, list[str]] = {}
    for r in rows:
        found.setdefault(r["owner_id"], []).append(r["endpoint_arn"])
    return found
