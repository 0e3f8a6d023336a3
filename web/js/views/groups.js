// Consumer groups of a topic: create, delete (confirmed), and each group's members with
// the partitions assigned to them (members are binary-transport clients that joined).

import { del, get, post, topicPath } from "../api.js";
import { busy, confirmAction, errorBox, formDialog, h, mount, table, toast } from "../dom.js";
import { count } from "../format.js";

export async function groupsTab(box, { stream, topic }) {
  const path = `${topicPath(stream.id, topic.id)}/consumer-groups`;
  const list = h("div", { id: "groups" });
  const create = h("button", { class: "primary", type: "button", id: "create-group" }, "Create group");
  const load = async () => {
    try {
      const groups = await get(path);
      const details = await Promise.all(groups.map((g) => get(`${path}/${g.id}`)));
      mount(list, details.length ? details.map((g) => groupPanel(g)) : h("p", { class: "muted" }, "No consumer groups yet."));
    } catch (e) {
      mount(list, errorBox(e));
    }
  };
  const groupPanel = (g) => {
    const remove = h("button", { class: "danger", type: "button", onclick: async () => {
      if (!(await confirmAction("Delete consumer group", `Delete “${g.name}” and its stored offsets? Its members are dropped.`))) return;
      await busy(remove, async () => {
        await del(`${path}/${g.id}`);
        toast(`Group “${g.name}” deleted.`);
        await load();
      });
    } }, "Delete");
    return h(
      "section",
      { class: "panel group", "data-group": g.name },
      h("div", { class: "bar" }, h("h3", {}, `${g.name} `, h("span", { class: "muted" }, `(ID ${g.id}) · ${count(g.members_count)} members · ${count(g.partitions_count)} partitions`)), h("span", { class: "spacer" }), remove),
      table(
        [
          { label: "Member", cell: (m) => m.id, num: true },
          { label: "Partitions", cell: (m) => count(m.partitions_count), num: true },
          { label: "Assigned", cell: (m) => (m.partitions.length ? m.partitions.join(", ") : "none") },
        ],
        g.members,
        "No members: clients join over TCP, QUIC or WebSocket (JoinConsumerGroup).",
      ),
    );
  };
  create.addEventListener("click", async () => {
    const created = await formDialog("Create consumer group", [{ name: "name", label: "Name", required: true }], ({ name }) => post(path, { name }), "Create");
    if (created) {
      toast(`Group “${created.name}” created.`);
      await load();
    }
  });
  mount(box, h("div", { class: "bar" }, create), list);
  await load();
  const every = setInterval(load, 5000);
  return () => clearInterval(every);
}
