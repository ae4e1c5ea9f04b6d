// The wire protocol of chatwasm (docs/protocol.md), as TypeScript types: the
// shapes the server sends (§2.6, §2.9, §3) and the actions a client sends
// (§2.8). The test suite checks every server frame the real server sends
// against these types (test/types.test.mjs), so they cannot drift.

/** A room, message, notification, reaction or attachment id: a lowercase UUID v4. */
export type UUID = string;
/** A UTC ISO-8601 timestamp ending in `Z`, with microseconds when they are not zero. */
export type Timestamp = string;
/** Any JSON value. */
export type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };
/** A JSON object. */
export type JSONObject = { [key: string]: JSONValue };

/** §2.6 User. */
export interface User {
  id: number;
  username: string;
  email: string;
  first_name: string;
  last_name: string;
}

/** §1.8 The media kinds of an attachment. */
export type MediaType = "image" | "video" | "audio" | "file";

/** §2.6 Attachment. */
export interface Attachment {
  id: UUID;
  media_url: string;
  media_type: MediaType;
  file_size: number;
  mime_type: string;
  caption: string | null;
  metadata: JSONValue;
}

/** §2.6 Reaction. */
export interface Reaction {
  id: UUID;
  user: User;
  reaction_content: string;
  created_at: Timestamp;
}

/** §2.6 ReadReceipt. */
export interface ReadReceipt {
  reader: User;
  read_at: Timestamp;
}

/** §2.6 Message. Modules' serializer hooks may add keys after these (§5.5). */
export interface Message {
  id: UUID;
  room: { id: UUID };
  sender: User;
  content: string;
  is_deleted: boolean;
  is_edited: boolean;
  is_forwarded: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
  parent_message: Message | null;
  forwarded_from: Message | null;
  /** Usernames of the users who acknowledged delivery. */
  delivered_to: string[];
  read_receipts: ReadReceipt[];
  reactions: Reaction[];
  attachments: Attachment[];
}

/** §1.11 Why a notification was made. */
export type NotificationType = "NEW_MESSAGE" | "REPLY" | "REACTION";

/** §2.6 ChatNotification. */
export interface ChatNotification {
  id: UUID;
  notification_type: NotificationType;
  message: Message;
}

/** §1.3 RoomProperty: preferences are free-form and replaced as a whole. */
export interface RoomProperty {
  preferences: JSONObject;
}

/** §1.2 The room kinds, sent as `type`. */
export type RoomType = "OneToOneChat" | "GroupChat" | "Channel";

interface RoomBase {
  id: UUID;
  created_at: Timestamp;
  updated_at: Timestamp;
}

interface GroupSettings {
  name: string;
  description: string | null;
  max_participants: number;
  avatar: string | null;
  join_approval_required: boolean;
  group_locked: boolean;
}

interface ChannelSettings {
  name: string;
  description: string | null;
  is_public: boolean;
  avatar: string | null;
  max_subscribers: number;
}

/** §2.6 Room, detail form, of a 1-1 chat. */
export interface OneToOneChatDetail extends RoomBase {
  type: "OneToOneChat";
  participants: User[];
  property: RoomProperty;
}

/** §2.6 Room, detail form, of a group. `creator` is null once the creator is deleted. */
export interface GroupChatDetail extends RoomBase, GroupSettings {
  type: "GroupChat";
  creator: User | null;
  participants: User[];
  admins: User[];
  property: RoomProperty;
}

/** §2.6 Room, detail form, of a channel. */
export interface ChannelDetail extends RoomBase, ChannelSettings {
  type: "Channel";
  creator: User | null;
  subscribers: User[];
  moderators: User[];
  property: RoomProperty;
}

/** §2.6 Room, detail form: roomcreate, roominfo, roomupdate and the room of the membership events. */
export type RoomDetail = OneToOneChatDetail | GroupChatDetail | ChannelDetail;

/** §2.6 Room, list form, of a 1-1 chat: `peer` is the other participant. */
export interface OneToOneChatListItem extends RoomBase {
  type: "OneToOneChat";
  peer: User | null;
  last_message: Message | null;
}

/** §2.6 Room, list form, of a group. */
export interface GroupChatListItem extends RoomBase, GroupSettings {
  type: "GroupChat";
  creator: User | null;
  last_message: Message | null;
}

/** §2.6 Room, list form, of a channel. */
export interface ChannelListItem extends RoomBase, ChannelSettings {
  type: "Channel";
  creator: User | null;
  last_message: Message | null;
}

/** §2.6 Room, list form: the elements of roomlist.dispatch. */
export type RoomListItem = OneToOneChatListItem | GroupChatListItem | ChannelListItem;

/** §2.8.10 The history of a room. */
export interface RoomHistory {
  room_id: UUID;
  messages: Message[];
}

/** §2.8.10 roommessages.dispatch without pagination. */
export interface RoomMessages {
  data: RoomHistory;
}

/** §2.8.10 roommessages.dispatch with pagination; `page` echoes the request (a number or numeric string). */
export interface PaginatedRoomMessages {
  has_next: boolean;
  has_previous: boolean;
  next_page_number: number | null;
  prev_page_number: number | null;
  page: number | string;
  size: number;
  data: RoomHistory;
}

/** §2.8.4 reaction.dispatch: `type` for add, `action` for remove (§7.20). */
export type ReactionResult =
  | { status: "successful"; type: "add"; message: Message }
  | { status: "successful" | "failed"; message: Message; action: "remove" };

/** §2.8.6 messagemodification.dispatch. */
export type MessageModification =
  | { status: "successful"; action: "update"; message: Message }
  | { status: "successful"; action: "delete"; message_ids: (UUID | number)[] | UUID | number };

/** §2.8.11, §2.8.13 roomaddmembers.dispatch; `added_by` is `"self"` for a join. */
export interface MembersAdded {
  room: RoomDetail;
  new_members: string[];
  added_by: string;
}

/** §2.8.12, §2.8.14 roomremovemembers.dispatch; `removed_by` is `"self"` for a leave. */
export interface MembersRemoved {
  room: RoomDetail;
  removed_members: string[];
  removed_by: string;
}

/** §2.8.12, §2.8.14 roomexit.dispatch, to the user who left or was removed. */
export interface RoomExit {
  room: RoomDetail;
  message: string;
}

/** §2.8.12, §2.8.15 roomdelete.dispatch. */
export interface RoomDeleted {
  room_id: UUID;
}

/** §2.9 Every server event by its `eventType`, with its `data`. */
export interface ServerEventMap {
  "chat.notifications": { [roomId: UUID]: ChatNotification[] };
  "message.dispatch": Message;
  "messagedelivered.dispatch": Message[];
  "readreceipt.dispatch": Message | Message[];
  "reaction.dispatch": ReactionResult;
  "messagetyping.dispatch": { username: string };
  "messagemodification.dispatch": MessageModification;
  "roomcreate.dispatch": RoomDetail;
  "roomlist.dispatch": RoomListItem[];
  "roominfo.dispatch": RoomDetail;
  "roommessages.dispatch": RoomMessages | PaginatedRoomMessages;
  "roomaddmembers.dispatch": MembersAdded;
  "roomremovemembers.dispatch": MembersRemoved;
  "roomexit.dispatch": RoomExit;
  "roomdelete.dispatch": RoomDeleted;
  "roomupdate.dispatch": RoomDetail;
}

/** The `eventType` of a server event. */
export type ServerEventType = keyof ServerEventMap;

/** Every server event type, in the order of docs/protocol.md §2.9. */
export const SERVER_EVENT_TYPES = [
  "chat.notifications",
  "message.dispatch",
  "messagedelivered.dispatch",
  "readreceipt.dispatch",
  "reaction.dispatch",
  "messagetyping.dispatch",
  "messagemodification.dispatch",
  "roomcreate.dispatch",
  "roomlist.dispatch",
  "roominfo.dispatch",
  "roommessages.dispatch",
  "roomaddmembers.dispatch",
  "roomremovemembers.dispatch",
  "roomexit.dispatch",
  "roomdelete.dispatch",
  "roomupdate.dispatch",
] as const satisfies readonly ServerEventType[];

// Every event type is listed above: this fails to compile if one is missing.
type _missingEventType = Exclude<ServerEventType, (typeof SERVER_EVENT_TYPES)[number]>;
const _allEventTypesListed: [_missingEventType] extends [never] ? true : never = true;
void _allEventTypesListed;

/** A server event as the client hands it out: its type and data, discriminated by `eventType`. */
export type ServerEvent = { [K in ServerEventType]: { eventType: K; data: ServerEventMap[K] } }[ServerEventType];

/** §2.2 (1) A group-delivered event frame. */
export type BroadcastFrame = {
  [K in Exclude<ServerEventType, "chat.notifications">]: { type: "broadcast_group"; eventType: K; data: ServerEventMap[K] };
}[Exclude<ServerEventType, "chat.notifications">];

/** §2.2 (2) The connect-time notifications frame, without `type`. */
export interface NotificationsFrame {
  eventType: "chat.notifications";
  data: ServerEventMap["chat.notifications"];
}

/** §2.2 (3) The heartbeat reply. */
export interface HeartbeatReply {
  status: "success";
}

/** §3 A field-error object: field name → messages. */
export type FieldErrors = { [field: string]: string[] };

/**
 * §3 An error's detail: a plain string (4002, 4004, 4005, 4006), an array of
 * strings, an object of field errors, or an array of field-error objects
 * (attachments), or anything a module chooses (§5.3).
 */
export type ErrorDetail = string | string[] | FieldErrors | FieldErrors[] | JSONValue;

/** §2.2 (4) An error frame. */
export interface ErrorFrame {
  error: { code: number; detail: ErrorDetail };
}

/** §2.2 (4) The answer to an unknown or missing `event_type`. */
export interface InvalidEventFrame {
  error: "invalid event type";
}

/** §2.2 Every frame the server sends. */
export type ServerFrame = BroadcastFrame | NotificationsFrame | HeartbeatReply | ErrorFrame | InvalidEventFrame;

// Client actions (§2.8).

/** §2.8.1 One attachment of message.send. */
export interface MediaInput {
  media_url: string;
  media_type: MediaType;
  mime_type?: string;
  file_size?: number;
  caption?: string | null;
  metadata?: JSONValue;
}

/** A message id, or several (at most 1000). Integers are accepted and name no message. */
export type MessageIds = UUID | UUID[];

/** A room id. */
export type RoomId = UUID;

/** §2.8.15 The actions of room.modify. */
export type RoomModifyAction =
  | "update"
  | "delete"
  | "add_permission"
  | "remove_permission"
  | "add_admin"
  | "remove_admin"
  | "add_moderator"
  | "remove_moderator";

/** §1.5, §1.6 Object permissions of groups and channels. */
export type RoomPermission =
  | "can_add_new_participants"
  | "can_remove_participants"
  | "can_add_new_subscribers"
  | "can_remove_subscribers"
  | "can_send_messages";

/** §2.8 The data of every client action, by `event_type`. */
export interface ClientEventMap {
  "message.send": {
    room_id: RoomId;
    content?: string;
    extra_fields?: {
      parent_message_id?: UUID;
      forwarded_from_id?: UUID;
      media?: MediaInput[];
      content?: string;
      [key: string]: JSONValue | MediaInput[] | undefined;
    };
  };
  "message.acknowledged": { message_id: MessageIds };
  "message.read": { message_id: MessageIds };
  "message.react":
    | { type: "add"; message_id: UUID; reaction_content: string }
    | { type: "remove"; message_id: UUID; reaction_content?: string };
  "message.typing": { room_id: RoomId };
  "message.modify":
    | { action: "update"; message_id: UUID; extra_fields: { content: string; [key: string]: JSONValue } }
    | { action: "delete"; message_id: MessageIds };
  "room.create":
    | { type: "OneToOneChat"; participants: [number]; extra_fields?: { property?: RoomProperty } }
    | {
        type: "GroupChat";
        name: string;
        description?: string;
        participants?: number[];
        extra_fields?: {
          property?: RoomProperty;
          max_participants?: number;
          join_approval_required?: boolean;
          group_locked?: boolean;
          avatar?: string;
        };
      }
    | {
        type: "Channel";
        name: string;
        description?: string;
        subscribers?: number[];
        extra_fields?: { property?: RoomProperty; is_public?: boolean; max_subscribers?: number; avatar?: string };
      };
  "room.list": Record<string, never>;
  "room.info": { room_id: RoomId };
  "room.add_members": { room_id: RoomId; members: number[] };
  "room.remove_members": { room_id: RoomId; members: number[] };
  "room.messages": { room_id: RoomId; paginate?: { page: number | string; size: number | string } };
  "room.join": { room_id: RoomId };
  "room.leave": { room_id: RoomId };
  "room.modify":
    | { room_id: RoomId; action: "delete" }
    | {
        room_id: RoomId;
        action: "update";
        data: {
          name?: string;
          description?: string;
          avatar?: string;
          group_locked?: boolean;
          join_approval_required?: boolean;
          is_public?: boolean;
          property?: RoomProperty;
        };
      }
    | { room_id: RoomId; action: "add_permission" | "remove_permission"; data: { users: number[]; permission: RoomPermission[] } }
    | { room_id: RoomId; action: "add_admin" | "remove_admin" | "add_moderator" | "remove_moderator"; data: { users: number[] } };
  "session.heartbeat": Record<string, never>;
}

/** The `event_type` of a client action. */
export type ClientEventType = keyof ClientEventMap;

/** §2.2 A client frame. */
export type ClientFrame = { [K in ClientEventType]: { event_type: K; data?: ClientEventMap[K] } }[ClientEventType];
