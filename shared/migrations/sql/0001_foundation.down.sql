-- No CASCADE: later migrations' triggers depend on this function, and their own down files
-- remove them first. A CASCADE here would silently strip updated_at triggers (a bug this avoids).
DROP FUNCTION IF EXISTS update_updated_at_column();
