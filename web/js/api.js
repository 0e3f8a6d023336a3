// The HTTP API, called with the session's JWT. Errors carry the API's own message: the
// Iggy error body ({id, code, reason}) when there is one, else the status and its text.
// A 401 on an authenticated call ends the session (expired or revoked token).

import { end, session } from "./session.js";

export class ApiError extends Error {
  constructor(status, body, text) {
    const detail = body?.reason
      ? `${body.reason} (${status} ${body.code}, error ${body.id})`
      : `${status} ${text || statusText(status)}`;
    super(detail);
    this.status = status;
    this.body = body;
  }
}

function statusText(status) {
  return { 400: "Bad request", 401: "Unauthenticated", 403: "Forbidden", 404: "Not found", 413: "Too large" }[status] || "Error";
}

/** JSON with integers beyond 2^53 kept exact: BigInt values are written as numbers. */
function stringify(body) {
  return JSON.stringify(body, (_, v) => (typeof v === "bigint" ? `__big:${v}` : v)).replace(/"__big:(\d+)"/g, "$1");
}

/** Parses JSON keeping ids and checksums beyond 2^53 (u64, u128) exact, as strings. */
function parse(text) {
  return JSON.parse(text.replace(/"(id|checksum)":(\d{16,})/g, '"$1":"$2"'));
}

/** Calls the API; answers the parsed JSON body (null when empty). */
export async function api(method, path, body, { auth = true } = {}) {
  const headers = {};
  if (auth) {
    const s = session();
    if (!s) throw new ApiError(401, null, "Not logged in");
    headers.Authorization = `Bearer ${s.token}`;
  }
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : stringify(body), cache: "no-store" });
  } catch (e) {
    throw new ApiError(0, null, `The server did not answer (${e.message})`);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? parse(text) : null;
  } catch {
    json = null;
  }
  if (response.status === 401 && auth) {
    end("Your session expired or was revoked. Log in again.");
  }
  if (!response.ok) throw new ApiError(response.status, json, text);
  return json;
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body ?? {});
export const put = (path, body) => api("PUT", path, body ?? {});
export const del = (path) => api("DELETE", path);

/** A path segment. */
export const seg = (v) => encodeURIComponent(String(v));

/** The path of a topic. */
export const topicPath = (s, t) => `/streams/${seg(s)}/topics/${seg(t)}`;
