-- A connect flow is bound to the browser that started it (RFC 9700 section 4.7): creating it
-- hands its creator a one-time start secret (only its hash is kept here), and the browser that
-- presents that secret to POST /oauth/start gets a cookie whose hash is kept here; the callback
-- is refused without that cookie.
ALTER TABLE oauth_flows ADD COLUMN start_secret_hash BYTEA;
ALTER TABLE oauth_flows ADD COLUMN browser_hash BYTEA;
