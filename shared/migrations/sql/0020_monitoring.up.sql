-- Monitoring: events, metrics, alert rules as structured
-- data with their evaluation state, incidents linked to the alert that opened them.
CREATE TABLE events (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    event_type  TEXT NOT NULL
                CONSTRAINT valid_event_type CHECK (event_type IN ('log', 'metric', 'trace', 'alert')),
    source      TEXT NOT NULL,
    message     TEXT,
    level       TEXT,
    tags        JSONB NOT NULL DEFAULT '{}',
    payload     JSONB NOT NULL DEFAULT '{}',
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- Lists sort by recorded_at; alert rules filter by source/type/level inside a recent window.
CREATE INDEX idx_events_recorded_at ON events (recorded_at);
CREATE INDEX idx_events_source_recorded_at ON events (source, recorded_at);
CREATE INDEX idx_events_type_recorded_at ON events (event_type, recorded_at);
CREATE INDEX idx_events_level_recorded_at ON events (level, recorded_at);
CREATE INDEX idx_events_tags ON events USING GIN (tags jsonb_path_ops);
CREATE INDEX idx_events_created_at ON events (created_at);

CREATE TABLE metrics (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name        TEXT NOT NULL,
    metric_type TEXT NOT NULL
                CONSTRAINT valid_metric_type CHECK (metric_type IN ('counter', 'gauge', 'histogram', 'summary')),
    value       DOUBLE PRECISION NOT NULL,
    labels      JSONB NOT NULL DEFAULT '{}',
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_metrics_recorded_at ON metrics (recorded_at);
CREATE INDEX idx_metrics_name_recorded_at ON metrics (name, recorded_at);
CREATE INDEX idx_metrics_labels ON metrics USING GIN (labels jsonb_path_ops);
CREATE INDEX idx_metrics_created_at ON metrics (created_at);

-- The latest sample of each series (name + label set), kept by a statement trigger so the
-- Prometheus export reads one row per series instead of every sample of the last 24 hours.
CREATE TABLE metric_series (
    name        TEXT NOT NULL,
    labels_key  TEXT NOT NULL,  -- md5 of the canonical jsonb text: labels may exceed a btree entry
    labels      JSONB NOT NULL,
    metric_type TEXT NOT NULL,
    value       DOUBLE PRECISION NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (name, labels_key)
);

CREATE INDEX idx_metric_series_recorded_at ON metric_series (recorded_at);

CREATE FUNCTION metric_series_keep_latest() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO metric_series AS s (name, labels_key, labels, metric_type, value, recorded_at)
    SELECT DISTINCT ON (name, md5(labels::text))
           name, md5(labels::text), labels, metric_type, value, recorded_at
    FROM inserted
    ORDER BY name, md5(labels::text), recorded_at DESC
    ON CONFLICT (name, labels_key) DO UPDATE
        SET labels = EXCLUDED.labels, metric_type = EXCLUDED.metric_type,
            value = EXCLUDED.value, recorded_at = EXCLUDED.recorded_at
        WHERE s.recorded_at <= EXCLUDED.recorded_at;
    RETURN NULL;
END;
$$;

CREATE TRIGGER metrics_keep_latest_series AFTER INSERT ON metrics
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION metric_series_keep_latest();

CREATE TABLE alerts (
    id                     UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name                   TEXT NOT NULL,
    description            TEXT,
    -- The rule in the documented text grammar (shared/monitoring/rules.py); never executed.
    query                  TEXT NOT NULL,
    rule_source            TEXT NOT NULL
                           CONSTRAINT valid_alert_rule_source CHECK (rule_source IN ('events', 'metrics')),
    filters                JSONB NOT NULL DEFAULT '{}',
    aggregation            TEXT NOT NULL
                           CONSTRAINT valid_alert_aggregation CHECK (aggregation IN ('count', 'avg', 'sum', 'min', 'max')),
    window_minutes         INTEGER NOT NULL CHECK (window_minutes BETWEEN 1 AND 1440),
    comparator             TEXT NOT NULL
                           CONSTRAINT valid_alert_comparator CHECK (comparator IN ('>', '>=', '<', '<=', '==')),
    threshold_value        DOUBLE PRECISION NOT NULL,
    for_minutes            INTEGER NOT NULL DEFAULT 0 CHECK (for_minutes BETWEEN 0 AND 1440),
    notify_email           TEXT,
    notify_webhook_url     TEXT,
    auto_incident_severity TEXT
                           CONSTRAINT valid_alert_incident_severity CHECK
                               (auto_incident_severity IN ('low', 'medium', 'high', 'critical')),
    -- Administrative status: silenced rules are evaluated but never notify.
    status                 TEXT NOT NULL DEFAULT 'active'
                           CONSTRAINT valid_alert_status CHECK (status IN ('active', 'resolved', 'silenced')),
    -- Evaluation state, owned by the evaluator. pending = condition holds, for_minutes not yet met.
    state                  TEXT NOT NULL DEFAULT 'ok'
                           CONSTRAINT valid_alert_state CHECK (state IN ('ok', 'pending', 'firing')),
    pending_since          TIMESTAMPTZ,
    triggered_at           TIMESTAMPTZ,
    resolved_at            TIMESTAMPTZ,
    -- The last scheduler tick applied: a redelivered tick finds it already done.
    last_tick              TIMESTAMPTZ,
    last_value             DOUBLE PRECISION,
    last_evaluated_at      TIMESTAMPTZ,
    last_error             TEXT,
    created_by             UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at             TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT alert_one_notification CHECK (notify_email IS NULL OR notify_webhook_url IS NULL)
);

CREATE TRIGGER update_alerts_updated_at BEFORE UPDATE ON alerts
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE INDEX idx_alerts_status ON alerts (status);
CREATE INDEX idx_alerts_created_at ON alerts (created_at);
CREATE INDEX idx_alerts_created_by ON alerts (created_by);

CREATE TABLE incidents (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    title       TEXT NOT NULL,
    description TEXT,
    severity    TEXT NOT NULL DEFAULT 'medium'
                CONSTRAINT valid_incident_severity CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    status      TEXT NOT NULL DEFAULT 'open'
                CONSTRAINT valid_incident_status CHECK (status IN ('open', 'investigating', 'resolved', 'closed')),
    started_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    resolved_at TIMESTAMPTZ,
    root_cause  TEXT,
    created_by  UUID CONSTRAINT fk_incidents_created_by REFERENCES users (id) ON DELETE SET NULL,
    assigned_to UUID CONSTRAINT fk_incidents_assigned_to REFERENCES users (id) ON DELETE SET NULL,
    alert_id    UUID REFERENCES alerts (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TRIGGER update_incidents_updated_at BEFORE UPDATE ON incidents
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE INDEX idx_incidents_status ON incidents (status);
CREATE INDEX idx_incidents_created_at ON incidents (created_at);
CREATE INDEX idx_incidents_created_by ON incidents (created_by);
CREATE INDEX idx_incidents_assigned_to ON incidents (assigned_to);
CREATE INDEX idx_incidents_alert_id ON incidents (alert_id);
