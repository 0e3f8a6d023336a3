// The logged-in session: the JWT from /users/login, kept in this tab's session storage
// (never in a URL, gone when the tab closes), with the user's id, name and the token's
// expiry. When the token expires, or the API answers 401, the session ends and the app
// returns to the login screen saying why.

const KEY = "iggy.session";
let current = load();
let expiryTimer = null;
let endReason = "";
const listeners = new Set();

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || "null");
  } catch {
    return null;
  }
}

/** The session, or null when logged out. */
export function session() {
  return current;
}

/** Called with the reason ("" for a logout) whenever the session ends. */
export function onEnd(listener) {
  listeners.add(listener);
}

/** Starts a session from an IdentityInfo answer. */
export function begin(username, identity) {
  current = {
    token: identity.access_token.token,
    expiry: identity.access_token.expiry,
    userId: identity.user_id,
    username,
  };
  sessionStorage.setItem(KEY, JSON.stringify(current));
  watchExpiry();
}

/** Ends the session; `reason` is shown on the login screen. */
export function end(reason = "") {
  if (!current) return;
  current = null;
  endReason = reason;
  sessionStorage.removeItem(KEY);
  clearTimeout(expiryTimer);
  for (const listener of listeners) listener(reason);
}

/** Why the last session ended (once; "" after a logout or when already read). */
export function takeEndReason() {
  const reason = endReason;
  endReason = "";
  return reason;
}

/** Ends the session when the token's expiry (seconds) passes. */
export function watchExpiry() {
  clearTimeout(expiryTimer);
  if (!current) return;
  const left = current.expiry * 1000 - Date.now();
  if (left <= 0) {
    end("Your session expired. Log in again.");
    return;
  }
  // setTimeout takes at most ~24.8 days.
  expiryTimer = setTimeout(watchExpiry, Math.min(left, 2 ** 31 - 1));
}
