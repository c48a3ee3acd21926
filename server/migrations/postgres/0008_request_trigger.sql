-- Request-triggered workflows (`trigger: request`, `POST /sdk/triggers/{workflowId}`).
-- What kind of trigger starts a workflow; `trigger_event` is the App Event's name for
-- `app_event` and empty for the others, so App Events match only `app_event` workflows.
ALTER TABLE workflows ADD COLUMN trigger_kind TEXT NOT NULL DEFAULT 'app_event';
-- What recorded a run's input: an App Event, or a request trigger (its `{body, query,
-- headers}` as the payload); both share retention, idempotency and the runs' `event_id`.
ALTER TABLE app_events ADD COLUMN source TEXT NOT NULL DEFAULT 'app_event';
-- A request-triggered run's answer, `{"status", "body"}` (JSON), set once: by its first
-- `response` step, or when it ends without one. The waiting request reads it here, so a run
-- executed by another replica answers it too.
ALTER TABLE runs ADD COLUMN response TEXT;
