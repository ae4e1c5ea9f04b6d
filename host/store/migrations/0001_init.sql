-- chatwasm schema, version 1. Written once for both engines: {{autoid}} is
-- the only substitution (an auto-increment integer primary key). UUIDs and
-- JSON are TEXT, timestamps are BIGINT microseconds since the Unix epoch (UTC),
-- so both engines store, compare and order them identically.

CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS users (
    id         {{autoid}},
    tenant     TEXT NOT NULL DEFAULT 'default',
    username   TEXT NOT NULL UNIQUE,
    email      TEXT NOT NULL DEFAULT '',
    first_name TEXT NOT NULL DEFAULT '',
    last_name  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS users_tenant ON users (tenant, id);

-- One table for the three room kinds (OneToOneChat, GroupChat, Channel).
-- max_members is max_participants for groups and max_subscribers for
-- channels. pair_key is "lo:hi" of a 1-1 chat's two user ids once it has
-- exactly two participants: its uniqueness is the "one 1-1 chat per pair" rule.
CREATE TABLE IF NOT EXISTS rooms (
    id                     TEXT PRIMARY KEY,
    tenant                 TEXT NOT NULL,
    kind                   TEXT NOT NULL CHECK (kind IN ('OneToOneChat', 'GroupChat', 'Channel')),
    name                   TEXT NOT NULL DEFAULT '',
    description            TEXT,
    avatar                 TEXT,
    creator_id             BIGINT REFERENCES users (id) ON DELETE CASCADE,
    max_members            BIGINT NOT NULL DEFAULT 0 CHECK (max_members >= 0),
    is_public              BOOLEAN NOT NULL DEFAULT FALSE,
    join_approval_required BOOLEAN NOT NULL DEFAULT FALSE,
    group_locked           BOOLEAN NOT NULL DEFAULT FALSE,
    preferences            TEXT NOT NULL DEFAULT '{}',
    pair_key               TEXT,
    last_message_id        TEXT,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL,
    UNIQUE (tenant, pair_key)
);
CREATE INDEX IF NOT EXISTS rooms_tenant ON rooms (tenant);

-- Membership: participants (1-1, groups) or subscribers (channels). is_admin
-- is admin (groups) or moderator (channels).
CREATE TABLE IF NOT EXISTS room_members (
    room_id  TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX IF NOT EXISTS room_members_user ON room_members (user_id, room_id);

-- Object permissions (can_add_new_participants, can_send_messages, ...).
CREATE TABLE IF NOT EXISTS room_permissions (
    room_id    TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (room_id, user_id, permission)
);

CREATE TABLE IF NOT EXISTS messages (
    id                TEXT PRIMARY KEY,
    room_id           TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    sender_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content           TEXT NOT NULL,
    is_deleted        BOOLEAN NOT NULL DEFAULT FALSE,
    is_edited         BOOLEAN NOT NULL DEFAULT FALSE,
    is_forwarded      BOOLEAN NOT NULL DEFAULT FALSE,
    parent_message_id TEXT REFERENCES messages (id) ON DELETE SET NULL,
    forwarded_from_id TEXT REFERENCES messages (id) ON DELETE SET NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    CONSTRAINT forward_xor_reply CHECK (NOT (is_forwarded AND parent_message_id IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS messages_room_created ON messages (room_id, created_at);
CREATE INDEX IF NOT EXISTS messages_parent ON messages (parent_message_id);
CREATE INDEX IF NOT EXISTS messages_forwarded ON messages (forwarded_from_id);

-- delivered_to.
CREATE TABLE IF NOT EXISTS message_deliveries (
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (message_id, user_id)
);

CREATE TABLE IF NOT EXISTS attachments (
    id         TEXT PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    media_url  TEXT NOT NULL,
    media_type TEXT NOT NULL CHECK (media_type IN ('image', 'video', 'audio', 'file')),
    file_size  BIGINT NOT NULL DEFAULT 0 CHECK (file_size >= 0),
    mime_type  TEXT NOT NULL DEFAULT 'image/jpeg' CHECK (mime_type IN (
        'image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/bmp', 'image/heic',
        'audio/mpeg', 'audio/mp4', 'audio/aac', 'audio/ogg', 'audio/wav', 'audio/opus',
        'video/mp4', 'video/quicktime', 'video/webm', 'video/ogg', 'video/x-msvideo', 'video/x-matroska',
        'application/pdf', 'application/msword',
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        'application/vnd.ms-excel',
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'application/vnd.ms-powerpoint',
        'application/vnd.openxmlformats-officedocument.presentationml.presentation',
        'text/plain', 'text/csv')),
    caption    TEXT,
    metadata   TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS attachments_message ON attachments (message_id, position);

CREATE TABLE IF NOT EXISTS reactions (
    id               TEXT PRIMARY KEY,
    message_id       TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id          BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reaction_content TEXT NOT NULL CHECK (reaction_content <> ''),
    created_at       BIGINT NOT NULL,
    UNIQUE (message_id, user_id)
);

CREATE TABLE IF NOT EXISTS read_receipts (
    id         TEXT PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    reader_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_at    BIGINT NOT NULL,
    UNIQUE (message_id, reader_id)
);

CREATE TABLE IF NOT EXISTS notifications (
    id                TEXT PRIMARY KEY,
    message_id        TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    notification_type TEXT NOT NULL CHECK (notification_type IN ('NEW_MESSAGE', 'REPLY', 'REACTION')),
    created_at        BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_message ON notifications (message_id);

CREATE TABLE IF NOT EXISTS notification_recipients (
    notification_id TEXT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (notification_id, user_id)
);
CREATE INDEX IF NOT EXISTS notification_recipients_user ON notification_recipients (user_id);

-- One row per WebSocket connection, never deleted (docs/protocol.md §1.12).
CREATE TABLE IF NOT EXISTS sessions (
    id           {{autoid}},
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel_name TEXT NOT NULL,
    last_seen    BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id, last_seen);

-- The users created for an external identity provider's tokens, by the
-- tokens' issuer and subject: its tokens name only these users. user_id
-- becomes NULL when the user is deleted, so that the identity is refused
-- from then on instead of being created again.
CREATE TABLE IF NOT EXISTS external_identities (
    issuer  TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE UNIQUE INDEX IF NOT EXISTS external_identities_user ON external_identities (user_id);

-- The module key-value store (host import kv_*): each wasm module has its own
-- keys per tenant. value is a JSON text. Rows live and die with the
-- operation's transaction when a module writes from the replace layer.
CREATE TABLE IF NOT EXISTS module_kv (
    module TEXT NOT NULL,
    tenant TEXT NOT NULL,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (module, tenant, key)
);

-- What each module's store holds per tenant, in bytes of keys and values,
-- kept by the kv writes in their own transactions, so that the quota check
-- does not sum the store. The INSERT fills it once for a database from
-- before the table existed.
CREATE TABLE IF NOT EXISTS module_kv_usage (
    module TEXT NOT NULL,
    tenant TEXT NOT NULL,
    bytes  BIGINT NOT NULL,
    PRIMARY KEY (module, tenant)
);
INSERT INTO module_kv_usage (module, tenant, bytes)
    SELECT module, tenant, SUM(octet_length(key) + octet_length(value)) FROM module_kv
    WHERE NOT EXISTS (SELECT 1 FROM module_kv_usage)
    GROUP BY module, tenant;
