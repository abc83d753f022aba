"""Request and response models of /api/v1/devices (no FastAPI: the service returns them)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.ledger.schemas import DEVICE_ID
from shared.timestamps import Timestamp


class Platform(StrEnum):
    APNS = "apns"
    FCM = "fcm"


class DeviceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device_id: str = Field(pattern=DEVICE_ID)
    platform: Platform
    token: str = Field(
        min_length=8, max_length=4096, pattern=r"^[\x21-\x7e]+$", description="The push token."
    )


class DeviceOut(BaseModel):
    device_id: str
    platform: Platform
    created_at: Timestamp
    updated_at: Timestamp
