-- Events and metrics a user writes carry the writer's id: a regular user reads exactly the rows
-- whose owner_id is theirs (never a match on a name). NULL marks a row the system wrote, which
-- only moderators and up read. Rows written before this migration keep NULL: nobody gains
-- access to a row by it, and moderators still see them all.
ALTER TABLE events ADD COLUMN owner_id UUID
    CONSTRAINT fk_events_owner REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE metrics ADD COLUMN owner_id UUID
    CONSTRAINT fk_metrics_owner REFERENCES users (id) ON DELETE CASCADE;

-- A regular user's lists are one owner's rows, newest first.
CREATE INDEX idx_events_owner_recorded_at ON events (owner_id, recorded_at)
    WHERE owner_id IS NOT NULL;
CREATE INDEX idx_metrics_owner_recorded_at ON metrics (owner_id, recorded_at)
    WHERE owner_id IS NOT NULL;
