-- Push devices of the debts ledger: one SNS platform endpoint per device of a user.
CREATE TABLE devices (
    owner_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id    TEXT NOT NULL CONSTRAINT devices_device_id CHECK (char_length(device_id) <= 100),
    platform     TEXT NOT NULL CONSTRAINT devices_platform CHECK (platform IN ('apns', 'fcm')),
    token        TEXT NOT NULL,
    endpoint_arn TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, device_id)
);
