-- Webhooks out: the project's endpoints (URL, event types, sealed signing secret) and one
-- delivery per (message, endpoint), stored before it is sent and claimed by workers under a
-- lease like runs, with every attempt for the delivery log. Times are Unix milliseconds.

CREATE TABLE webhook_endpoints (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    url              TEXT NOT NULL,
    description      TEXT NOT NULL,
    event_types      TEXT NOT NULL,             -- JSON array of type names
    secret           BYTEA NOT NULL,            -- sealed `whsec_…`
    failing_since_ms BIGINT,                    -- first failed attempt of the current streak
    failed_attempts  BIGINT NOT NULL DEFAULT 0, -- failed attempts in the streak
    last_failed_ms   BIGINT,                    -- the streak's latest failed attempt
    disabled_ms      BIGINT,
    disabled_reason  TEXT,
    created_ms       BIGINT NOT NULL,
    updated_ms       BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_project ON webhook_endpoints (project_id, created_ms);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,          -- the delivery (one endpoint)
    message_id      TEXT NOT NULL,             -- `webhook-id` and the body's `id`
    project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_type      TEXT NOT NULL,
    body            TEXT NOT NULL,             -- the exact JSON sent (and signed)
    status          TEXT NOT NULL,             -- pending | sending | delivered | failed
    attempts        BIGINT NOT NULL,           -- since it was (re)queued
    next_attempt_ms BIGINT NOT NULL,
    lease_owner     TEXT,
    lease_until_ms  BIGINT,
    last_error      TEXT,
    created_ms      BIGINT NOT NULL,
    updated_ms      BIGINT NOT NULL,
    finished_ms     BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_ms);
CREATE INDEX webhook_deliveries_project ON webhook_deliveries (project_id, created_ms);
-- Housekeeping deletes ended deliveries by when they ended (a resent old one stays its time).
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (status, finished_ms);
-- The claim counts each endpoint's deliveries in flight (its per-endpoint cap).
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, status, lease_until_ms);
-- A message reaches an endpoint once: a workflow's `notify` step derives its message id from the
-- run and the step, so a retried run stores nothing new.
CREATE UNIQUE INDEX webhook_deliveries_message ON webhook_deliveries (endpoint_id, message_id);

CREATE TABLE webhook_attempts (
    id           TEXT PRIMARY KEY,
    delivery_id  TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt      BIGINT NOT NULL,
    status_code  BIGINT,                       -- none when no answer came
    error        TEXT,
    duration_ms  BIGINT NOT NULL,
    started_ms   BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, started_ms);
