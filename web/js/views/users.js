// Users: list, create, edit name and status, change password, delete (confirmed), and
// their permissions.

import { del, get, post, put } from "../api.js";
import { busy, confirmAction, errorBox, facts, formDialog, h, mount, table, toast } from "../dom.js";
import { time } from "../format.js";
import { navigate } from "../router.js";
import { session } from "../session.js";
import { permissionsForm } from "./permissions.js";

const STATUS = [["active", "active"], ["inactive", "inactive"]];

const badge = (status) => h("span", { class: status === "active" ? "badge ok" : "badge off" }, status);

export async function usersView(main) {
  const create = h("button", { class: "primary", type: "button", id: "create-user", onclick: createUser }, "Create user");
  const list = h("div", { id: "users" });
  mount(main, h("h1", {}, "Users"), h("div", { class: "bar" }, create), list);
  try {
    const users = await get("/users");
    mount(
      list,
      table(
        [
          { label: "ID", cell: (u) => u.id, num: true },
          { label: "User name", cell: (u) => h("a", { href: `/ui/users/${u.id}` }, u.username) },
          { label: "Status", cell: (u) => badge(u.status) },
          { label: "Created", cell: (u) => time(u.created_at) },
        ],
        users,
      ),
    );
  } catch (e) {
    mount(list, errorBox(e));
  }
}

async function createUser() {
  const created = await formDialog(
    "Create user",
    [
      { name: "username", label: "User name", required: true, help: "3 to 50 bytes" },
      { name: "password", label: "Password", type: "password", required: true, autocomplete: "new-password", help: "3 to 100 bytes" },
      { name: "status", label: "Status", type: "select", options: STATUS, value: "active" },
    ],
    (v) => post("/users", { username: v.username, password: v.password, status: v.status, permissions: null }),
    "Create",
  );
  if (created) {
    toast(`User “${created.username}” created; set their permissions below.`);
    navigate(`/users/${created.id}`);
  }
}

export async function userView(main, { user }) {
  let u;
  try {
    u = await get(`/users/${encodeURIComponent(user)}`);
  } catch (e) {
    return mount(main, h("h1", {}, `User ${user}`), errorBox(e));
  }
  const self = session()?.userId === u.id;
  const edit = h("button", { type: "button", id: "edit-user", onclick: async () => {
    const done = await formDialog("Edit user", [
      { name: "username", label: "User name", value: u.username, required: true },
      { name: "status", label: "Status", type: "select", options: STATUS, value: u.status },
    ], async (v) => {
      await put(`/users/${u.id}`, { username: v.username, status: v.status });
      return true;
    });
    if (done) navigate(`/users/${u.id}`, { replace: true });
  } }, "Edit");
  const password = h("button", { type: "button", id: "change-password", onclick: async () => {
    const done = await formDialog("Change password", [
      { name: "current", label: self ? "Current password" : `Current password of ${u.username}`, type: "password", required: true, autocomplete: "current-password" },
      { name: "next", label: "New password", type: "password", required: true, autocomplete: "new-password" },
    ], async (v) => {
      await put(`/users/${u.id}/password`, { current_password: v.current, new_password: v.next });
      return true;
    });
    if (done) toast("Password changed.");
  } }, "Change password");
  const remove = h("button", { class: "danger", type: "button", id: "delete-user", disabled: u.id === 0, onclick: async () => {
    if (!(await confirmAction("Delete user", `Delete “${u.username}”? Their sessions end and their tokens go.`))) return;
    await busy(remove, async () => {
      await del(`/users/${u.id}`);
      toast(`User “${u.username}” deleted.`);
      navigate("/users");
    });
  } }, "Delete");
  mount(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "/ui/users" }, "Users"), " /"),
    h("h1", {}, u.username),
    h("div", { class: "bar" }, h("span", { class: "spacer" }), edit, password, remove),
    h("div", { class: "panel" }, facts([["ID", String(u.id)], ["Status", badge(u.status)], ["Created", time(u.created_at)]])),
    await permissionsForm(u),
  );
}
