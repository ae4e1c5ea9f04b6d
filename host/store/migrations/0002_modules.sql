-- Modules uploaded over the admin API (host/admin, host/hooks): every node
-- loads the enabled ones next to those of its modules.yaml. name is unique
-- over all tenants, as it names the module's metrics and key-value store.
-- tenant is the owner, '' for the operator's. manifest is the JSON of the
-- module's modules.yaml entry without name and path. wasm is the module's
-- bytes (SQLite keeps a BYTEA column's blobs as they are).
CREATE TABLE IF NOT EXISTS modules (
    name       TEXT PRIMARY KEY,
    tenant     TEXT NOT NULL,
    wasm       BYTEA NOT NULL,
    sha256     TEXT NOT NULL,
    size       BIGINT NOT NULL,
    manifest   TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS modules_tenant ON modules (tenant, name);

-- One row: bumped by every change of modules, so that a node sees the set
-- changed by reading one number.
CREATE TABLE IF NOT EXISTS modules_version (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO modules_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
