// Typed errors for the codes of docs/protocol.md §3: one class per code, so
// that callers can test `err instanceof ValidationError`.
/** The error codes of docs/protocol.md §3 and §5.3. */
export const ErrorCode = {
    /** No valid token at connect: the WebSocket close code. */
    Unauthorized: 4001,
    /** A permission check refused. */
    Permission: 4002,
    /** Validation. */
    Validation: 4003,
    /** A room, message or user that does not exist (or is not visible). */
    NotFound: 4004,
    /** A database constraint. */
    Integrity: 4005,
    /** Anything else, including a module's fault. */
    Internal: 4006,
    /** The custom code of the reference's docs, which modules use (§5.3). */
    Custom: 4007,
};
/** An error the server reported: an error frame, or the 4001 close. */
export class ChatError extends Error {
    constructor(code, detail) {
        super(`chatwasm error ${code}: ${describe(detail)}`);
        this.name = new.target.name;
        this.code = code;
        this.detail = detail;
    }
    /**
     * The messages of the detail, flattened: a string detail as one message,
     * an array's strings, and a field-error object's messages as "field: message".
     */
    get messages() {
        return flatten(this.detail);
    }
}
/** 4001: the token was missing, invalid or expired, or its user was deleted. The socket was closed. */
export class AuthError extends ChatError {
}
/** 4002: a permission check refused; the detail is the check's message. */
export class PermissionError extends ChatError {
}
/** 4003: validation; the detail is an array of strings or an object of field errors. */
export class ValidationError extends ChatError {
    /** The field errors when the detail is an object of them (`{"content": ["This field is required."]}`), else {}. */
    get fields() {
        const d = this.detail;
        if (d !== null && typeof d === "object" && !Array.isArray(d)) {
            return d;
        }
        return {};
    }
}
/** 4004: the resource does not exist (or is soft-deleted, or of another tenant). */
export class NotFoundError extends ChatError {
}
/** 4005: a database constraint was violated (a duplicate reaction or receipt, …). */
export class IntegrityError extends ChatError {
}
/** 4006: an internal error, including a module's fault. */
export class InternalError extends ChatError {
}
/** 4007: a module's custom error (docs/protocol.md §5.3). */
export class CustomError extends ChatError {
}
/** `{"error": "invalid event type"}`: no action and no module handles the event type. */
export class InvalidEventError extends ChatError {
    constructor() {
        super(0, "invalid event type");
    }
}
/**
 * The connection closed (or was closed) before the server answered a
 * request. The request may or may not have been carried out.
 */
export class ConnectionClosedError extends Error {
    constructor(message = "the connection closed before the server answered") {
        super(message);
        this.name = "ConnectionClosedError";
    }
}
const classes = {
    4001: AuthError,
    4002: PermissionError,
    4003: ValidationError,
    4004: NotFoundError,
    4005: IntegrityError,
    4006: InternalError,
    4007: CustomError,
};
/** The typed error of a code and detail: the class of the code, or ChatError for another module code. */
export function chatError(code, detail) {
    const C = classes[code] ?? ChatError;
    return new C(code, detail);
}
function flatten(detail) {
    if (typeof detail === "string")
        return [detail];
    if (Array.isArray(detail))
        return detail.flatMap((d) => flatten(d));
    if (detail !== null && typeof detail === "object") {
        return Object.entries(detail).flatMap(([field, v]) => flatten(v).map((m) => `${field}: ${m}`));
    }
    return [String(detail)];
}
function describe(detail) {
    const ms = flatten(detail);
    return ms.length > 0 ? ms.join("; ") : JSON.stringify(detail);
}
