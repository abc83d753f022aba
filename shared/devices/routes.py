"""/api/v1/devices: thin routes over shared.devices.service. A user sees only their devices."""

# No `from __future__ import annotations`: FastAPI reads the annotations at runtime.

from typing import Annotated

from fastapi import Path

from shared.devices import service
from shared.devices.schemas import DeviceIn, DeviceOut
from shared.errors import NotFound
from shared.http.envelope import Envelope, ok
from shared.http.routing import errors, group_router
from shared.identity.dependencies import CurrentUser
from shared.ledger.schemas import DEVICE_ID

router = group_router("/api/v1/devices", "Devices")


@router.post("", summary="Register a device's push token (again: the token rotated)")
async def register(body: DeviceIn, user: CurrentUser) -> Envelope[DeviceOut]:
    return ok(service.register(user.id, body))


@router.get("", summary="Your devices")
async def list_devices(user: CurrentUser) -> Envelope[list[DeviceOut]]:
    return ok(service.list_devices(user.id))


@router.delete("/{device_id}", summary="Unregister a device", responses=errors(NotFound))
async def unregister(
    device_id: Annotated[str, Path(pattern=DEVICE_ID)], user: CurrentUser
) -> Envelope[None]:
    service.unregister(user.id, device_id)
    return ok(None, "Device unregistered")
