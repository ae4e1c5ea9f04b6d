// The wire protocol of chatwasm (docs/protocol.md), as TypeScript types: the
// shapes the server sends (§2.6, §2.9, §3) and the actions a client sends
// (§2.8). The test suite checks every server frame the real server sends
// against these types (test/types.test.mjs), so they cannot drift.
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
];
const _allEventTypesListed = true;
void _allEventTypesListed;
