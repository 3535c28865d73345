// Motion settings of one camera (#/motion/cameraN): on/off, sensitivity, minimum area, quiet
// time, and masks drawn on a fresh snapshot: each click adds a point of the polygon being
// drawn, "Close polygon" keeps it; masked parts never start an event. Saved with
// set_motion_config (operators); viewers see the settings only.

import { announce, h, reasonOf } from "./dom.js";
import { showFile } from "./links.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export function mount(container, app, device) {
  const releases = [];
  const editable = app.can("operator");
  const status = h("p.status", { role: "status", id: "motion-status" });
  const enabled = h("input", { type: "checkbox", id: "motion-enabled", disabled: !editable });
  const threshold = h("input", { type: "number", id: "motion-threshold", min: 1, max: 255, step: 1, disabled: !editable });
  const minArea = h("input", { type: "number", id: "motion-min-area", min: 0.01, max: 100, step: 0.01, disabled: !editable });
  const quiet = h("input", { type: "number", id: "motion-quiet", min: 0.2, max: 600, step: 0.1, disabled: !editable });
  const img = h("img", { id: "motion-picture", alt: `A snapshot of ${device} to draw masks on`, width: 640, height: 360 });
  const overlay = svg("svg", { id: "motion-masks", viewBox: "0 0 1 1", preserveAspectRatio: "none", "aria-hidden": "true" });
  const picture = h("div.mask-editor", {}, img, overlay);
  const summary = h("p.muted", { id: "motion-mask-count" });
  let masks = [];
  let drawing = [];

  const draw = () => {
    overlay.replaceChildren();
    for (const poly of masks) {
      overlay.append(svg("polygon", { points: poly.map((p) => p.join(",")).join(" "), class: "mask" }));
    }
    if (drawing.length) {
      overlay.append(svg("polyline", { points: drawing.map((p) => p.join(",")).join(" "), class: "drawing" }));
    }
    summary.textContent = `${masks.length} mask(s)${drawing.length ? `, drawing one with ${drawing.length} point(s)` : ""}`;
  };

  const show = (cfg) => {
    enabled.checked = cfg.enabled;
    threshold.value = cfg.threshold;
    minArea.value = cfg.min_area;
    quiet.value = cfg.quiet_seconds;
    masks = cfg.masks;
    drawing = [];
    draw();
    status.textContent = `Detection ${cfg.enabled ? "on" : "off"} (${cfg.state}); settings from ${cfg.source}`;
  };

  img.addEventListener("click", (e) => {
    if (!editable) return;
    const r = img.getBoundingClientRect();
    const x = Math.min(1, Math.max(0, (e.clientX - r.left) / r.width));
    const y = Math.min(1, Math.max(0, (e.clientY - r.top) / r.height));
    drawing.push([+x.toFixed(4), +y.toFixed(4)]);
    draw();
  });

  const closeButton = h("button", {
    type: "button", id: "motion-close", disabled: !editable,
    onclick: () => {
      if (drawing.length < 3) { announce("A mask needs at least three points"); return; }
      masks = [...masks, drawing];
      drawing = [];
      draw();
    },
  }, "Close polygon");
  const clearButton = h("button", {
    type: "button", id: "motion-clear", disabled: !editable,
    onclick: () => { masks = []; drawing = []; draw(); },
  }, "Clear masks");
  const saveButton = h("button.primary", {
    type: "button", id: "motion-save", disabled: !editable,
    onclick: async () => {
      try {
        const cfg = await app.call("set_motion_config", {
          device, enabled: enabled.checked, threshold: +threshold.value, min_area: +minArea.value,
          quiet_seconds: +quiet.value, masks,
        });
        show(cfg);
        announce("Motion settings saved");
      } catch (err) {
        app.report(err, "Motion settings");
      }
    },
  }, "Save");

  container.append(
    h("p", {}, h("a", { href: `#/camera/${encodeURIComponent(device)}` }, `← ${device}`)),
    h("h1", {}, `Motion detection: ${device}`),
    status,
    h("p", {}, h("label", {}, enabled, " Detect motion")),
    h("p", {}, h("label", {}, "Sensitivity threshold (1–255, lower is more sensitive) ", threshold)),
    h("p", {}, h("label", {}, "Minimum changed area (% of the picture) ", minArea)),
    h("p", {}, h("label", {}, "Quiet seconds that end an event ", quiet)),
    h("h2", {}, "Masks"),
    h("p.muted", {}, editable ? "Click on the picture to place the points of a mask, then close it." : "Masks (operators can change them)."),
    picture, summary,
    h("p.actions", {}, closeButton, clearButton, saveButton),
  );

  app.call("get_motion_config", { device }).then(show)
    .catch((err) => { status.textContent = `Cannot read the motion settings: ${reasonOf(err)}`; });
  if (editable) {
    app.call("take_snapshot", { device }).then((snap) => {
      if (!snap.download_url) return;
      showFile(img, snap.download_url, app.token).then((release) => releases.push(release)).catch(() => {});
    }).catch(() => { img.alt = `${device}: no snapshot (the masks still apply)`; });
  }

  return () => { for (const r of releases) r(); };
}
