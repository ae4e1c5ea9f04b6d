// @chatwasm/client: a TypeScript client of the chatwasm WebSocket protocol (docs/protocol.md).
export * from "./protocol.js";
export * from "./errors.js";
export { backoffDelay, type BackoffOptions } from "./backoff.js";
export {
  ChatClient,
  type ClientOptions,
  type ClientEvents,
  type ClientState,
  type WebSocketConstructor,
  type WebSocketLike,
} from "./client.js";
