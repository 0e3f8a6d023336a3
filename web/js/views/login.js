// Login: user name and password to POST /users/login; the API's error is shown as is.

import { api } from "../api.js";
import { errorBox, h, mount } from "../dom.js";
import { navigate } from "../router.js";
import { begin, takeEndReason } from "../session.js";
import { startSampling } from "./overview.js";

export function loginView(main) {
  const reason = takeEndReason();
  const error = h("div", {}, reason ? h("div", { class: "note", role: "status" }, reason) : null);
  const username = h("input", { id: "username", name: "username", autocomplete: "username", required: true, autofocus: true });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { class: "primary", type: "submit", id: "login" }, "Log in");
  const form = h(
    "form",
    { class: "form panel", id: "login-form" },
    h("label", { for: "username" }, "User name", username),
    h("label", { for: "password" }, "Password", password),
    error,
    h("div", {}, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    mount(error);
    try {
      const identity = await api("POST", "/users/login", { username: username.value, password: password.value }, { auth: false });
      begin(username.value, identity);
      startSampling();
      navigate("/");
    } catch (e) {
      mount(error, errorBox(e));
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  mount(main, h("div", { class: "login" }, h("h1", {}, "Log in to Iggy"), form));
}
