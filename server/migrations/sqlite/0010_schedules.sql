-- Scheduled workflows (`trigger: schedule: "<cron>"`): one row per active schedule workflow
-- holding its next due tick. A replica fires a tick by moving `next_tick_ms` forward with an
-- UPDATE conditional on the value it read, in the transaction that enqueues the tick's runs,
-- so each tick is fired once across replicas and survives restarts (a tick missed while every
-- replica was down is still due when one comes back, and fires once).
CREATE TABLE schedules (
    workflow_id  TEXT PRIMARY KEY REFERENCES workflows (id) ON DELETE CASCADE,
    project_id   TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    cron         TEXT NOT NULL,                -- five fields, as deployed
    timezone     TEXT NOT NULL,                -- IANA name, '' for UTC
    next_tick_ms BIGINT NOT NULL               -- Unix ms of the next slot to fire
);
CREATE INDEX schedules_due ON schedules (next_tick_ms);
-- The tick a scheduled run is for (Task History shows it beside the start); NULL for runs
-- of the other triggers.
ALTER TABLE runs ADD COLUMN scheduled_ms BIGINT;
