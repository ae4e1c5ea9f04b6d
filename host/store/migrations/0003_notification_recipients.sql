-- Notifications of "every member of the room but the actor" (what
-- message.send and message.react store) keep no recipient rows: their
-- recipients are the room's members whose membership began no later than
-- the notification (room_members.joined_seq <= notifications.seq), but the
-- actor, less those with a row in notification_acks. So a send writes O(1)
-- rows whatever the room's size (docs/decisions.md, "Notification
-- recipients are implicit").
--
-- rooms.member_seq counts the room's joins: a join stores the new value in
-- joined_seq, a notification the current one in seq.
ALTER TABLE rooms ADD COLUMN member_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE room_members ADD COLUMN joined_seq BIGINT NOT NULL DEFAULT 0;

-- room_id is set for an implicit notification only (NULL: its recipients are
-- its notification_recipients rows, as a module's choice still is), and
-- actor_id is the member it leaves out. pending is how many recipients have
-- not acknowledged it yet, explicit and implicit: the notification is
-- deleted when an acknowledgement takes it to 0.
ALTER TABLE notifications ADD COLUMN room_id TEXT;
ALTER TABLE notifications ADD COLUMN actor_id BIGINT;
ALTER TABLE notifications ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN pending BIGINT NOT NULL DEFAULT 0;

-- Existing notifications stay explicit: their recipient rows are exactly
-- who has not acknowledged them, which is all pending needs.
UPDATE notifications SET pending = (
    SELECT COUNT(*) FROM notification_recipients r WHERE r.notification_id = notifications.id);

CREATE INDEX IF NOT EXISTS notifications_room_seq ON notifications (room_id, seq);

-- One row per implicit recipient who acknowledged an implicit notification.
CREATE TABLE IF NOT EXISTS notification_acks (
    notification_id TEXT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (notification_id, user_id)
);
CREATE INDEX IF NOT EXISTS notification_acks_user ON notification_acks (user_id);
