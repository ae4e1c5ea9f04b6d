// @chatwasm/client: a TypeScript client of the chatwasm WebSocket protocol (docs/protocol.md).
export * from "./protocol.js";
export * from "./errors.js";
export { backoffDelay } from "./backoff.js";
export { ChatClient, } from "./client.js";
