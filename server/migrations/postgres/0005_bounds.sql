-- Bounds on what a caller can grow (issue 12, section 4): fixed-window counters for the App
-- Events rate limit, shared by every replica on this database, and the indexes the
-- housekeeping job and the per-user cap on connect flows read by.

CREATE TABLE rate_windows (
    bucket       TEXT NOT NULL,               -- what is counted, e.g. 'events/user/{project}/{user}'
    window_start BIGINT NOT NULL,             -- Unix seconds, the start of the fixed window
    hits         BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_windows_age ON rate_windows (window_start);

-- The cap on a user's flows, and the retention of App Events with their runs.
CREATE INDEX oauth_flows_user ON oauth_flows (project_id, user_id, created_at);
CREATE INDEX app_events_age ON app_events (created_at);
CREATE INDEX runs_event ON runs (event_id);
