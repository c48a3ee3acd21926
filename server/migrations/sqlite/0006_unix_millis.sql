-- One time unit across the schema (issue 13): every time is Unix milliseconds. The engine's
-- tables (0003) already were; the times of 0001, 0002 and 0005 were Unix seconds and are
-- scaled here. NULL stays NULL.

UPDATE projects SET created_at = created_at * 1000;
UPDATE api_keys SET created_at = created_at * 1000, revoked_at = revoked_at * 1000;
UPDATE signing_keys SET created_at = created_at * 1000, revoked_at = revoked_at * 1000;
UPDATE users SET created_at = created_at * 1000;

UPDATE integrations SET created_at = created_at * 1000, updated_at = updated_at * 1000;
UPDATE credentials SET
    access_expires_at = access_expires_at * 1000,
    refreshing_until  = refreshing_until * 1000,
    created_at        = created_at * 1000,
    updated_at        = updated_at * 1000,
    refreshed_at      = refreshed_at * 1000;
UPDATE oauth_flows SET
    created_at = created_at * 1000,
    expires_at = expires_at * 1000,
    updated_at = updated_at * 1000;

UPDATE rate_windows SET window_start = window_start * 1000;
