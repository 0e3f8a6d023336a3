// The dashboard's entry point: the routes, the navigation, and the session's start and end.

import { api } from "./api.js";
import { h, mount, toast } from "./dom.js";
import { captureLinks, guard, navigate, onRender, render, route } from "./router.js";
import { end, onEnd, session, watchExpiry } from "./session.js";
import { clientsView } from "./views/clients.js";
import { loginView } from "./views/login.js";
import { overviewView, startSampling, stopSampling } from "./views/overview.js";
import { streamsView, streamView } from "./views/streams.js";
import { tokensView } from "./views/tokens.js";
import { topicView } from "./views/topic.js";
import { userView, usersView } from "./views/users.js";

const NAV = [
  ["/", "Overview"],
  ["/streams", "Streams"],
  ["/users", "Users"],
  ["/tokens", "Tokens"],
  ["/clients", "Clients"],
];

route("/login", loginView);
route("/", overviewView);
route("/streams", streamsView);
route("/streams/:stream", streamView);
route("/streams/:stream/topics/:topic", topicView);
route("/streams/:stream/topics/:topic/:tab", topicView);
route("/users", usersView);
route("/users/:user", userView);
route("/tokens", tokensView);
route("/clients", clientsView);
route("/404", (main) => {
  mount(main, h("h1", {}, "Not found"), h("p", {}, "There is no such screen. ", h("a", { href: "/ui/" }, "Go to the overview")));
});

guard((path) => {
  if (!session() && path !== "/login") {
    navigate("/login", { replace: true });
    return false;
  }
  if (session() && path === "/login") {
    navigate("/", { replace: true });
    return false;
  }
  return true;
});

onRender((path) => {
  const nav = document.getElementById("nav");
  const who = document.getElementById("who");
  const s = session();
  if (!s) {
    mount(nav);
    mount(who);
    return;
  }
  mount(
    nav,
    NAV.map(([to, label]) => {
      const here = to === "/" ? path === "/" : path === to || path.startsWith(`${to}/`);
      return h("a", { href: `/ui${to === "/" ? "/" : to}`, "aria-current": here ? "page" : null }, label);
    }),
  );
  mount(who, h("span", { id: "whoami" }, s.username), h("button", { type: "button", id: "logout", onclick: logout }, "Log out"));
});

async function logout() {
  try {
    await api("DELETE", "/users/logout");
  } catch (e) {
    toast(`Logout: ${e.message}`, true);
  }
  end("");
}

onEnd(() => {
  stopSampling();
  navigate("/login", { replace: true });
});

captureLinks();
if (session()) {
  watchExpiry();
  startSampling();
}
render();
