-- App Events and the workflow engine: deployed workflow versions, users' choices, the events
-- received (idempotent per project + user + key) and the run queue with every attempt.
-- Engine times are Unix milliseconds (backoff and leases need sub-second precision).

CREATE TABLE workflow_versions (
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    version     BIGINT NOT NULL,
    bundle      TEXT NOT NULL,                 -- the deployed events and workflows, JSON
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (project_id, version)
);

CREATE TABLE workflows (
    id              TEXT PRIMARY KEY,          -- UUID, stable across deploys of the same slug
    project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    slug            TEXT NOT NULL,             -- the `id:` of the YAML file
    name            TEXT NOT NULL,
    integration     TEXT NOT NULL,
    trigger_event   TEXT NOT NULL,
    default_enabled BIGINT NOT NULL,
    version         BIGINT NOT NULL,           -- the deploy that last defined it
    active          BIGINT NOT NULL,           -- 0 once a deploy no longer has it
    UNIQUE (project_id, slug)
);
CREATE INDEX workflows_trigger ON workflows (project_id, trigger_event);

CREATE TABLE user_workflows (
    project_id  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    workflow_id TEXT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    enabled     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (project_id, user_id, workflow_id)
);

CREATE TABLE app_events (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    name            TEXT NOT NULL,
    payload         TEXT NOT NULL,             -- JSON
    runs            BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    UNIQUE (project_id, user_id, idempotency_key)
);

CREATE TABLE runs (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL,
    workflow_id      TEXT NOT NULL,
    workflow_version BIGINT NOT NULL,
    event_id         TEXT NOT NULL,
    status           TEXT NOT NULL,            -- queued | running | succeeded | failed
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_ms  BIGINT NOT NULL,
    lease_until_ms   BIGINT,
    lease_owner      TEXT,
    error            TEXT,
    warnings         TEXT NOT NULL DEFAULT '[]', -- JSON array
    created_ms       BIGINT NOT NULL,
    updated_ms       BIGINT NOT NULL,
    finished_ms      BIGINT
);
CREATE INDEX runs_due ON runs (status, next_attempt_ms);
CREATE INDEX runs_history ON runs (project_id, created_ms);

CREATE TABLE run_steps (
    run_id   TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step_id  TEXT NOT NULL,
    output   TEXT NOT NULL,                   -- JSON: what a retry of the run reuses
    PRIMARY KEY (run_id, step_id)
);

CREATE TABLE run_attempts (
    run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    attempt     BIGINT NOT NULL,
    step_id     TEXT NOT NULL,
    outcome     TEXT NOT NULL,                -- succeeded | retry | failed
    request     TEXT NOT NULL,                -- JSON summary, secrets redacted
    response    TEXT NOT NULL,                -- JSON summary
    error       TEXT,
    started_ms  BIGINT NOT NULL,
    finished_ms BIGINT NOT NULL,
    PRIMARY KEY (run_id, attempt, step_id)
);
