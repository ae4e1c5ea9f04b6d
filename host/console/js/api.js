// api.js calls the admin API with the admin token, kept in this tab's
// session storage only.

const KEY = 'chatwasm.adminToken';

export const token = {
  get: () => sessionStorage.getItem(KEY) ?? '',
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

/** APIError is an answer other than 2xx; status is its HTTP status. */
export class APIError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let unauthorized = () => {};

/** onUnauthorized sets what to do when the API refuses the token. */
export function onUnauthorized(fn) { unauthorized = fn; }

/** url is the admin API's URL of path: it sits next to the console. */
function url(path) { return new URL('../admin/' + path, document.baseURI); }

/** request sends one request and returns the response, whatever its status. */
function request(method, path, body) {
  const init = { method, headers: { Authorization: 'Bearer ' + token.get() }, cache: 'no-store' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return fetch(url(path), init);
}

/**
 * api sends one request and returns its JSON body (null when empty); an
 * answer other than 2xx throws an APIError with the API's message.
 */
export async function api(method, path, body) {
  const resp = await request(method, path, body);
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON: the status says it */ }
  if (!resp.ok) {
    if (resp.status === 401) unauthorized();
    throw new APIError(resp.status, data?.error ?? `${resp.status} ${resp.statusText}`);
  }
  return data;
}
