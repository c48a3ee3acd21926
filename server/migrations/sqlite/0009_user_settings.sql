-- Each end user's values of the user settings a deploy declares (`integrations/<type>.yaml`
-- and a workflow's `settings:`): one JSON object per user and integration (`workflow_id` '')
-- and per user and workflow. Cleared when the user disconnects the integration.
CREATE TABLE user_settings (
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL,
    integration TEXT NOT NULL,                 -- the integration type, e.g. hubspot
    workflow_id TEXT NOT NULL,                 -- '' for the integration's shared settings
    settings    TEXT NOT NULL,                 -- JSON object: setting id -> value
    updated_ms  BIGINT NOT NULL,
    PRIMARY KEY (project_id, user_id, integration, workflow_id)
);
