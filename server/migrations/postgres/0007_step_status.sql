-- The HTTP status the provider answered a `request:` step (`steps.<id>.status`); NULL for
-- the other kinds of step and for the rows written before.
ALTER TABLE run_steps ADD COLUMN status BIGINT;
