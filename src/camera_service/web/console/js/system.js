// System: version, health of each component (MediaMTX with its reason), storage use as a
// bar and the retention policy in force (get_storage_info.retention_policy) with a form to
// change it (admins).

import { bytes, h, reasonOf, seconds } from "./dom.js";
import { components, overall } from "./health.js";

function healthTable(info) {
  const rows = components(info).map((c) => h("tr", { dataset: { component: c.name, healthy: String(c.healthy) } },
    h("th", { scope: "row" }, c.name),
    h("td", {}, h("span.state", { dataset: { status: c.healthy ? "CONNECTED" : "ERROR" } }, c.state)),
    h("td", {}, c.detail || "")));
  return h("table", {}, h("caption", {}, `Service: ${overall(info)}`),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Component"), h("th", { scope: "col" }, "State"), h("th", { scope: "col" }, "Detail"))),
    h("tbody", {}, rows));
}

function storageBar(s) {
  const pct = Math.max(0, Math.min(100, Number(s.usage_percentage) || 0));
  const fill = h("span");
  fill.style.width = `${pct}%`; // CSSOM: the policy allows no inline style attributes
  return h("div", {},
    h("div.meter", { role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": pct, "aria-label": "Disk used", dataset: { low: String(Boolean(s.low_space_warning)) } },
      fill),
    h("p", {}, `${bytes(s.used_space)} used of ${bytes(s.total_space)} (${pct.toFixed(1)} %), ${bytes(s.available_space)} free.`,
      s.low_space_warning ? h("strong", {}, " Low on space.") : null),
    h("p", {}, `Recordings ${bytes(s.recordings_size)}, snapshots ${bytes(s.snapshots_size)}.`));
}

// the policy as a sentence: "Automatic deletion on: files older than 30 days."
export function policyText(p) {
  if (!p) return "The service does not report its retention policy.";
  const limit = p.policy_type === "size"
    ? `the oldest files beyond ${p.max_size_gb} GB in total`
    : `files older than ${p.max_age_days} day${Number(p.max_age_days) === 1 ? "" : "s"}`;
  return p.enabled ? `Automatic deletion on: ${limit}.` : `Automatic deletion off (when on: ${limit}).`;
}

function retentionForm(app, policy, out, shown) {
  const p = policy || {};
  const type = h("select", { id: "ret-type" }, h("option", { value: "age" }, "by age"), h("option", { value: "size" }, "by total size"));
  type.value = p.policy_type || "age";
  const enabled = h("input", { id: "ret-enabled", type: "checkbox", checked: Boolean(p.enabled) });
  const age = h("input", { id: "ret-age", type: "number", min: 0.01, step: "any", value: p.max_age_days ?? 30 });
  const size = h("input", { id: "ret-size", type: "number", min: 0.01, step: "any", value: p.max_size_gb ?? 10 });
  const form = h("form.retention", {},
    h("div.row", {}, enabled, h("label", { for: "ret-enabled" }, "Delete old files automatically")),
    h("div.row", {}, h("label", { for: "ret-type" }, "Policy"), type),
    h("div.row", {}, h("label", { for: "ret-age" }, "Keep (days)"), age),
    h("div.row", {}, h("label", { for: "ret-size" }, "Keep at most (GB)"), size),
    h("button.primary", { type: "submit" }, "Save policy"), out);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const r = await app.call("set_retention_policy", {
        policy_type: type.value, enabled: enabled.checked,
        max_age_days: Number(age.value), max_size_gb: Number(size.value),
      });
      out.textContent = `Saved: ${r.enabled ? "enabled" : "disabled"}, ${r.policy_type}` +
        (r.policy_type === "size" ? `, ${r.max_size_gb} GB` : `, ${r.max_age_days} days`) + ".";
      shown.textContent = policyText(r);
    } catch (err) {
      out.textContent = `Not saved: ${reasonOf(err)}`;
    }
  });
  return form;
}

export function mount(container, app) {
  const health = h("div", {}, "Loading…");
  const about = h("dl.facts");
  container.append(h("h1", {}, "System"),
    h("section.panel", { "aria-labelledby": "about-h" }, h("h2", { id: "about-h" }, "Service"), about),
    h("section.panel", { "aria-labelledby": "health-h" }, h("h2", { id: "health-h" }, "Health"), health));
  let alive = true;

  const load = async () => {
    // get_status (admin) has more; get_server_info is for every role
    const info = app.can("admin") ? await app.call("get_status", {}) : await app.call("get_server_info", {});
    if (!alive) return;
    health.replaceChildren(healthTable(info));
    about.replaceChildren(h("dt", {}, "Version"), h("dd", { id: "version" }, info.version || "—"),
      h("dt", {}, "Up"), h("dd", {}, seconds(info.uptime)),
      h("dt", {}, "Signed in as"), h("dd", {}, app.role));
  };
  load().catch((err) => { health.textContent = reasonOf(err); });

  if (app.can("admin")) {
    const storage = h("div", {}, "Loading…");
    const out = h("p.status", { role: "status" });
    const retention = h("div");
    const inForce = h("p", { id: "retention-in-force" }, "Loading…");
    container.append(
      h("section.panel", { "aria-labelledby": "storage-h" }, h("h2", { id: "storage-h" }, "Storage"), storage),
      h("section.panel", { "aria-labelledby": "ret-h" }, h("h2", { id: "ret-h" }, "Retention"), inForce, retention));
    app.call("get_storage_info", {}).then((s) => {
      storage.replaceChildren(storageBar(s));
      // the policy in force (saved by set_retention_policy, else the configuration's)
      inForce.textContent = policyText(s.retention_policy);
      retention.replaceChildren(retentionForm(app, s.retention_policy, out, inForce));
    }).catch((err) => {
      storage.textContent = reasonOf(err);
      inForce.textContent = "";
      retention.replaceChildren(retentionForm(app, null, out, inForce));
    });
  }
  return () => { alive = false; };
}
