// Client-side routing under /ui/ with the History API: the server answers index.html for
// every path without a dot, so a reload or a shared link lands on the same screen.

const routes = [];
let cleanup = null;
let rendering = 0;

/** Registers `view(main, params)` for a path like "/streams/:stream". A view may answer
 *  a function, called when the screen is left (timers, sockets). */
export function route(pattern, view) {
  const names = [];
  const source = pattern.replace(/:(\w+)/g, (_, name) => {
    names.push(name);
    return "([^/]+)";
  });
  routes.push({ regex: new RegExp(`^${source}/?$`), names, view });
}

/** The app path of the current location ("/streams/0"), without the "/ui" prefix. */
export function currentPath() {
  const path = location.pathname.replace(/^\/ui/, "");
  return path === "" ? "/" : path;
}

/** Goes to `path` (an app path, "/streams") and renders it. */
export function navigate(path, { replace = false } = {}) {
  const url = `/ui${path === "/" ? "/" : path}`;
  if (replace) history.replaceState(null, "", url);
  else if (url !== location.pathname) history.pushState(null, "", url);
  return render();
}

let before = () => true;

/** `guard(path)` decides before each render; it may navigate elsewhere and answer false. */
export function guard(fn) {
  before = fn;
}

/** Renders the current location. */
export async function render() {
  const main = document.getElementById("main");
  const path = currentPath();
  if (!before(path)) return;
  const turn = ++rendering;
  if (cleanup) {
    try {
      cleanup();
    } catch {
      // a screen that fails to clean up must not keep the next one from rendering
    }
    cleanup = null;
  }
  main.replaceChildren();
  const found = routes.find((r) => r.regex.test(path)) || routes.find((r) => r.regex.test("/404"));
  const match = found.regex.exec(path) || [];
  const params = Object.fromEntries(found.names.map((n, i) => [n, decodeURIComponent(match[i + 1])]));
  for (const listener of renderListeners) listener(path);
  const done = await found.view(main, params);
  if (turn !== rendering) {
    if (typeof done === "function") done();
    return;
  }
  if (typeof done === "function") cleanup = done;
  // After a navigation, keyboard and screen-reader users start at the new heading.
  const target = main.querySelector("[autofocus]") || main.querySelector("h1");
  if (target && (turn > 1 || document.activeElement === document.body)) {
    if (target.tagName === "H1") target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
  }
}

/** Whether a newer render started since `turn` (async views check before writing). */
export function stale(turn) {
  return turn !== rendering;
}

export function turn() {
  return rendering;
}

const renderListeners = new Set();

/** Called with the app path before every render (the navigation's highlight). */
export function onRender(listener) {
  renderListeners.add(listener);
}

/** Follows same-app links without a page load; lets modified clicks open new tabs. */
export function captureLinks() {
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || link.target) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith("/ui")) return;
    event.preventDefault();
    navigate(url.pathname.replace(/^\/ui/, "") || "/");
  });
  window.addEventListener("popstate", () => render());
}
