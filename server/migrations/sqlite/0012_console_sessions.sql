-- Operator console sessions (docs/console.md): one row per signed-in browser, in the database
-- so that any replica accepts the cookie. Only the SHA-256 of the session id is stored, so a
-- read of this table does not let anyone sign in. `project_id` NULL is the operator (every
-- project). Times are Unix milliseconds; idle expiry is checked against `last_seen_ms`,
-- absolute expiry is `expires_ms`.

CREATE TABLE console_sessions (
    id_hash      BLOB PRIMARY KEY,
    project_id   TEXT REFERENCES projects (id) ON DELETE CASCADE,
    created_ms   BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL,
    expires_ms   BIGINT NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_ms);
