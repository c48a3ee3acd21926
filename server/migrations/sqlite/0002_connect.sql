-- Connect: the project's integrations (provider app credentials), end users' credentials, and
-- the OAuth flows that create them. Secrets are sealed by the vault before they get here
-- (BLOB columns); the plaintext never reaches the database.

CREATE TABLE integrations (
    id             TEXT PRIMARY KEY,
    project_id     TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    provider       TEXT NOT NULL,                 -- 'hubspot'
    name           TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    client_secret  BLOB NOT NULL,                 -- sealed
    scopes         TEXT NOT NULL,                 -- space-separated
    auth_url       TEXT NOT NULL,
    token_url      TEXT NOT NULL,
    api_base       TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (project_id, provider)
);

CREATE TABLE credentials (
    id                TEXT PRIMARY KEY,
    project_id        TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    integration_id    TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    status            TEXT NOT NULL,              -- 'VALID' | 'INVALID'
    provider_id       TEXT NOT NULL,              -- HubSpot hub id
    provider_data     TEXT NOT NULL,              -- JSON object
    access_token      BLOB NOT NULL,              -- sealed
    refresh_token     BLOB,                       -- sealed
    access_expires_at BIGINT NOT NULL,
    version           BIGINT NOT NULL DEFAULT 0,  -- bumped on every token change: one refresher at a time
    refreshing_until  BIGINT,                     -- lease of the replica that is refreshing
    refresh_failures  BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    refreshed_at      BIGINT,
    UNIQUE (project_id, user_id, integration_id),
    FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id) ON DELETE CASCADE
);

CREATE TABLE oauth_flows (
    id             TEXT PRIMARY KEY,              -- 128+ random bits, base64url
    project_id     TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL,
    integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    origin         TEXT NOT NULL,                 -- the app origin the flow is bound to
    status         TEXT NOT NULL,                 -- created | started | exchanging | done | failed
    state_hash     BLOB UNIQUE,                   -- SHA-256 of the OAuth state, set by /oauth/start
    pkce_verifier  BLOB,                          -- sealed
    credential_id  TEXT,
    error          TEXT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX oauth_flows_expiry ON oauth_flows (expires_at);
