DROP TABLE IF EXISTS incidents;
DROP TABLE IF EXISTS alerts;
DROP TRIGGER IF EXISTS metrics_keep_latest_series ON metrics;
DROP FUNCTION IF EXISTS metric_series_keep_latest();
DROP TABLE IF EXISTS metric_series;
DROP TABLE IF EXISTS metrics;
DROP TABLE IF EXISTS events;
