// Reading get_server_info / get_status in both shapes the service has had:
//   old: status "ok"/"degraded", components {name: {healthy, state, detail}}
//   new: status HEALTHY/DEGRADED/UNHEALTHY, components {name: "HEALTHY"…} (strings) and the
//        rich health under component_health {name: {healthy, state, detail}}

const GOOD = /^(healthy|ok|running|serving|ready|connected|up)$/i;

export function overall(info) {
  const s = String((info && info.status) || "").toUpperCase();
  if (s === "OK") return "HEALTHY";
  return s || "UNKNOWN";
}

// The rich health when the service gives it (every component, under our names), else the
// plain `components`: the plain strings carry compat.json's names for the same components
// (websocket_server is our api), so the two are never merged.
export function components(info) {
  const rich = info && info.component_health;
  const all = rich && typeof rich === "object" && Object.keys(rich).length ? rich : (info && info.components) || {};
  return Object.keys(all).map((name) => {
    const v = all[name];
    if (v && typeof v === "object") {
      const healthy = v.healthy !== undefined ? Boolean(v.healthy) : GOOD.test(String(v.state || v.status));
      return { name, healthy, state: String(v.state || v.status || (healthy ? "healthy" : "unhealthy")), detail: v.detail || v.reason || "" };
    }
    return { name, healthy: GOOD.test(String(v)), state: String(v), detail: "" };
  });
}

export function component(info, name) {
  return components(info).find((c) => c.name === name) || null;
}

// null when MediaMTX serves streams, else why not (for the tiles' caption)
export function mediamtxProblem(info) {
  const m = component(info, "mediamtx");
  if (!m) return "the service reports no MediaMTX";
  if (m.healthy) return null;
  return `MediaMTX is ${m.state.toLowerCase()} (details under System)`;
}

export function upper(v) {
  return v === undefined || v === null ? "—" : String(v).toUpperCase();
}
