-- Projects, their API keys (hashed), their signing keys (public halves) and their end users.
-- Times are Unix seconds; ids are text so that one set of queries serves SQLite and PostgreSQL.

CREATE TABLE projects (
    id                      TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    allowed_origins         TEXT NOT NULL,          -- JSON array of origins
    max_token_lifetime_secs BIGINT NOT NULL,
    created_at              BIGINT NOT NULL
);

CREATE TABLE api_keys (
    key_hash    BLOB PRIMARY KEY,                    -- SHA-256 of the key; the key is never stored
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX api_keys_project ON api_keys (project_id);

CREATE TABLE signing_keys (
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    kid         TEXT NOT NULL,
    modulus     TEXT NOT NULL,                       -- JWK n (base64url); the private key is never stored
    exponent    TEXT NOT NULL,                       -- JWK e
    bits        BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT,
    PRIMARY KEY (project_id, kid)
);

CREATE TABLE users (
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,                       -- the user token's sub
    meta        TEXT NOT NULL DEFAULT '{}',          -- JSON object
    version     BIGINT NOT NULL DEFAULT 0,           -- optimistic concurrency for meta merges
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (project_id, id)
);
