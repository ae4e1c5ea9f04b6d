-- A connect reads every implicit notification pending for the user through
-- (room_id, seq) and needs of each only actor_id, created_at, id,
-- notification_type and message_id: with them in the index it reads no
-- notifications row (on SQLite a B-tree search by rowid for each of a
-- backlog's notifications). The index replaces notifications_room_seq, its
-- prefix, so that a notification still writes one index entry of this kind
-- (docs/decisions.md, "Connect: the notifications statement").
CREATE INDEX IF NOT EXISTS notifications_room_covering
    ON notifications (room_id, seq, actor_id, created_at, id, notification_type, message_id);
DROP INDEX IF EXISTS notifications_room_seq;
