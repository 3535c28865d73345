// A camera's picture in a tile or on its page: live through MediaMTX when it can, else the
// freshest snapshot, always with a caption that says which and why.
//
// 1. WebRTC: WHEP with "Authorization: Bearer" (whep.js). An idle on-demand path is
//    started by that request, so a path that get_stream_url calls not available is tried
//    all the same once the camera is connected and MediaMTX is up.
// 2. HLS where WebRTC cannot connect (no UDP, no usable candidate; from then on this tab
//    goes straight to HLS): through Media Source Extensions (hls_mse.js), else the browser's
//    own HLS player once the muxer's playlist has no gaps left (hls_native.js); both are
//    loaded only when needed.
// 3. Snapshots: operators and admins take one every REFRESH_S seconds while the picture is
//    on screen and the tab is visible (each is saved as a file, so the tile's checkbox
//    turns it off); viewers cannot take snapshots, so they see the camera's newest existing
//    snapshot, replaced whenever anyone takes one (snapshot_taken notification).
// A stream that stops (MediaMTX restarted, the network dropped) is reconnected by itself:
// every RETRY_MS while the service says MediaMTX is up, checking the service's word every
// RETRY_MS while it says down, for RECONNECT_FOR_MS; then snapshots, with slower retries.
// Streams are not tried while the service says MediaMTX is down (the browser would log
// every refused connection as an error). Meanwhile a WebRTC tile keeps its next WHEP offer
// ready (`prepared`), so the first try after MediaMTX's return posts it at once. The
// service restores MediaMTX's paths before it says MediaMTX is back, so that try finds them.

import { h, reasonOf, when } from "./dom.js";
import { mediamtxProblem } from "./health.js";
import { showFile } from "./links.js";
import { WhepSession } from "./whep.js";

export const REFRESH_S = 10;
const PLAY_TIMEOUT_MS = 8000;
const RECONNECT_FOR_MS = 60000;
const RETRY_MS = [100]; // one get_server_info for all tiles (app.checkInfo)
const SLOW_RETRY_MS = [2000, 5000, 10000, 30000];

function superseded() {
  return new Error("superseded");
}

export class LiveView {
  constructor(app, camera, { autoRefresh = true } = {}) {
    this.app = app;
    this.camera = camera;
    this.autoRefresh = autoRefresh && app.can("operator");
    this.video = h("video", { muted: true, autoplay: true, playsInline: true, "aria-label": `${camera.name || camera.device} live` });
    this.img = h("img", { alt: `Latest snapshot of ${camera.name || camera.device}` });
    this.caption = h("p.caption", { "aria-live": "off" });
    this.el = h("div.picture", { dataset: { mode: "none" } }, this.video, this.img, this.caption);
    this.video.hidden = this.img.hidden = true;
    this.player = null; // a WhepSession, MseHls or NativeHls
    this.prepared = null; // the next WhepSession, its offer made, while reconnecting
    this.timer = null; // the next snapshot
    this.retryTimer = null; // the next try of a stream
    this.attempt = 0;
    this.lostAt = null; // performance.now() when a playing stream stopped
    this.release = null;
    this.stopped = false;
    this.generation = 0;
    this.visible = true;
    this.observer = new IntersectionObserver((entries) => {
      this.visible = entries.some((e) => e.isIntersecting);
      if (this.visible && this.mode === "snapshot") this._refreshSoon(0);
    });
    this.observer.observe(this.el);
    this.onVisibility = () => { if (!document.hidden && this.mode === "snapshot") this._refreshSoon(0); };
    document.addEventListener("visibilitychange", this.onVisibility);
    this.onPageHide = () => this._teardownStream(); // the WHEP DELETE goes out with keepalive
    window.addEventListener("pagehide", this.onPageHide);
  }

  get mode() { return this.el.dataset.mode; }

  _setMode(mode, caption) {
    this.el.dataset.mode = mode;
    this.video.hidden = !["webrtc", "hls", "reconnecting", "connecting"].includes(mode);
    this.img.hidden = mode !== "snapshot" || !this.img.getAttribute("src");
    this.caption.textContent = caption;
  }

  update(camera) {
    const before = this.camera;
    this.camera = camera;
    if (before.status !== camera.status || JSON.stringify(before.streams) !== JSON.stringify(camera.streams)) {
      this.start();
    }
  }

  async start() {
    const gen = ++this.generation;
    this._teardownStream(this.mode !== "reconnecting"); // keep the last frame meanwhile
    clearTimeout(this.retryTimer);
    const cam = this.camera;
    if (cam.status !== "CONNECTED") {
      this.lostAt = null;
      this._setMode("off", `No picture: the camera is ${String(cam.status || "unknown").toLowerCase()}${cam.reason ? ` (${cam.reason})` : ""}.`);
      return;
    }
    const down = mediamtxProblem(this.app.serverInfo);
    if (down) { this._failed(gen, down); return; }
    if (!["snapshot", "reconnecting"].includes(this.mode)) this._setMode("connecting", "Connecting to the live stream…");
    const why = [];
    const streams = cam.streams || {};
    let tryHls = true;
    if (streams.webrtc && !this.app.webrtcUnreachable) {
      try {
        await this._webrtc(gen, streams.webrtc);
        this._played(gen, "webrtc", "Live (WebRTC)");
        return;
      } catch (err) {
        if (gen !== this.generation) return;
        why.push(`WebRTC failed: ${reasonOf(err)}`);
        if (err.unreachable) this.app.webrtcUnreachable = true;
        tryHls = Boolean(err.unreachable || err.refused); // else MediaMTX refused the path itself
      }
    }
    if (tryHls && streams.hls && this._hlsPlayable()) {
      try {
        await this._hls(gen, streams.hls);
        this._played(gen, "hls", "Live (HLS)");
        return;
      } catch (err) {
        if (gen !== this.generation) return;
        why.push(`HLS failed: ${reasonOf(err)}`);
      }
    }
    this._failed(gen, why.join("; ") || "the camera has no stream URL");
  }

  _played(gen, mode, caption) {
    if (gen !== this.generation) return;
    this.attempt = 0;
    this.lostAt = null;
    clearTimeout(this.timer); // no more snapshots
    this._setMode(mode, caption);
    this.el.dataset.frames = String(Number(this.el.dataset.frames || 0) + 1);
    performance.mark(`live:${this.camera.device}`, { detail: mode });
  }

  _reconnecting() {
    return this.lostAt !== null && performance.now() - this.lostAt < RECONNECT_FOR_MS;
  }

  // no stream this time: say why (or keep saying "reconnecting") and try again later
  _failed(gen, why) {
    if (gen !== this.generation || this.stopped) return;
    const fast = this._reconnecting();
    const text = `No live stream: ${why}.`;
    if (fast) {
      this._setMode("reconnecting", `Live stream interrupted (${why}); reconnecting…`);
    } else if (this.mode !== "snapshot") {
      this.why = text;
      this._setMode("snapshot", text);
      this._refreshSoon(0);
    } else if (text !== this.why) { // the snapshot stays; only the reason changed
      this.why = text;
      this.caption.textContent = text;
    }
    if (fast) this._prepareWebrtc();
    const delays = fast ? RETRY_MS : SLOW_RETRY_MS;
    const delay = delays[Math.min(this.attempt++, delays.length - 1)];
    this.retryTimer = setTimeout(() => this._retry(gen), delay);
  }

  // ask the service first (one call for every tile): while it says MediaMTX is down no
  // stream is tried, and a stream refused while it still said up is not tried again
  // until it has had a chance to notice
  async _retry(gen) {
    if (gen !== this.generation || this.stopped) return;
    await this.app.checkInfo();
    if (gen !== this.generation || this.stopped) return;
    const down = mediamtxProblem(this.app.serverInfo);
    if (down) this._failed(gen, down);
    else this.start();
  }

  // a playing stream stopped: reconnect at once
  _lost(gen) {
    if (gen !== this.generation || this.stopped) return;
    this.lostAt = performance.now();
    this.attempt = 0;
    this._teardownStream(false);
    this._setMode("reconnecting", "Live stream interrupted; reconnecting…");
    this._prepareWebrtc();
    this.retryTimer = setTimeout(() => this._retry(gen), RETRY_MS[0]);
  }

  // the WHEP offer of the next try, made while MediaMTX is away (WebRTC tiles only)
  _prepareWebrtc() {
    const url = (this.camera.streams || {}).webrtc;
    if (!url || this.app.webrtcUnreachable || this.prepared) return;
    this.prepared = new WhepSession(url, this.app.token, () => { /* set when opened */ });
    this.prepared.prepare().catch(() => { /* open() says why */ });
  }

  // the prepared session if it is for `url`, else the tab's spare offer, else a new one
  _whepSession(url) {
    const ready = this.prepared;
    this.prepared = null;
    if (ready && ready.url === url && ready.token === this.app.token) return ready;
    if (ready) ready.stop().catch(() => { /* not opened: nothing to end */ });
    return this.app.takeSpareOffer(url) || new WhepSession(url, this.app.token, () => { /* set below */ });
  }

  // resolves once the <video> plays (at once if it already does)
  _playing(gen) {
    const v = this.video;
    return new Promise((resolve, reject) => {
      if (!v.paused && v.readyState >= HTMLMediaElement.HAVE_FUTURE_DATA) { resolve(); return; }
      const timer = setTimeout(() => reject(new Error("no frames")), PLAY_TIMEOUT_MS);
      v.addEventListener("playing", () => { clearTimeout(timer); resolve(); }, { once: true });
      v.play().catch(() => { /* autoplay waits for "playing" */ });
    }).then(() => { if (gen !== this.generation) throw superseded(); });
  }

  // `player` plays through `play()`; a failed one is ended before the next is tried
  async _through(gen, player, play) {
    this.player = player;
    try {
      await play();
      if (gen !== this.generation) throw superseded();
      await this._playing(gen);
    } catch (err) {
      if (this.player === player) this.player = null;
      player.stop().catch(() => { /* ended either way */ });
      throw err;
    }
  }

  _webrtc(gen, url) {
    if (!/\/whep$/.test(new URL(url, window.location.href).pathname)) return Promise.reject(new Error("no WHEP URL"));
    const session = this._whepSession(url);
    session.onLost = () => this._lost(gen);
    return this._through(gen, session, async () => {
      const stream = await session.open();
      if (gen === this.generation) this.video.srcObject = stream;
    });
  }

  _hlsPlayable() {
    return typeof MediaSource !== "undefined" || this.video.canPlayType("application/vnd.apple.mpegurl") !== "";
  }

  // the HLS players are loaded when first needed (most tabs never need them)
  async _hls(gen, url) {
    const href = new URL(url, window.location.href).href;
    const mse = await import("./hls_mse.js");
    const Player = mse.mseSupported() ? mse.MseHls : (await import("./hls_native.js")).NativeHls;
    if (gen !== this.generation) throw superseded();
    const player = new Player(this.video, href, this.app.token, () => this._lost(gen));
    return this._through(gen, player, () => player.start());
  }

  _refreshSoon(delayMs) {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => this._refresh(), delayMs);
  }

  async _refresh() {
    if (this.busy) return;
    this.busy = true;
    try {
      await this._refreshOnce();
    } finally {
      this.busy = false;
    }
  }

  async _refreshOnce() {
    if (this.stopped || this.mode !== "snapshot") return;
    if (!this.visible || document.hidden) return; // resumed by the observers
    const device = this.camera.device;
    try {
      if (this.autoRefresh) {
        const shot = await this.app.call("take_snapshot", { device });
        await this.showSnapshot(shot);
        this.caption.textContent = `${this.why} Snapshot every ${REFRESH_S} s, last ${when(shot.timestamp)}.`;
        this._refreshSoon(REFRESH_S * 1000);
        return;
      }
      if (!this.img.getAttribute("src")) {
        const list = await this.app.call("list_snapshots", { limit: 100 });
        const mine = (list.files || []).find((f) => f.filename.startsWith(`${device}_`));
        if (mine) await this.showSnapshot(mine);
        const who = this.app.can("operator") ? "Automatic snapshots are off" : "Viewers cannot take snapshots";
        this.caption.textContent = mine
          ? `${this.why} ${who}; showing the newest one (${when(mine.modified_time)}).`
          : `${this.why} ${who}, and this camera has none yet.`;
      }
    } catch (err) {
      this.caption.textContent = `${this.why} Snapshot failed: ${reasonOf(err)}`;
      if (this.autoRefresh) this._refreshSoon(REFRESH_S * 1000);
    }
  }

  // a snapshot (take_snapshot result, file entry or snapshot_taken params) shown at once
  async showSnapshot(shot) {
    let url = shot.download_url;
    if (!url) url = (await this.app.call("get_snapshot_info", { filename: shot.filename })).download_url;
    const img = this.img;
    const loaded = new Promise((resolve) => img.addEventListener("load", resolve, { once: true }));
    const old = this.release;
    this.release = await showFile(img, url, this.app.token);
    await Promise.race([loaded, new Promise((r) => setTimeout(r, 5000))]);
    if (old) old();
    img.dataset.filename = shot.filename;
    if (this.mode === "snapshot") img.hidden = false;
  }

  // someone took a snapshot of this camera (snapshot_taken): show it if we show snapshots
  onSnapshotTaken(params) {
    if (this.mode === "snapshot" && !this.autoRefresh && params.filename) {
      this.showSnapshot(params).then(() => {
        this.caption.textContent = `${this.why} Newest snapshot: ${when(params.timestamp)}.`;
      }).catch(() => { /* the next one may work */ });
    }
  }

  setAutoRefresh(on) {
    this.autoRefresh = on && this.app.can("operator");
    if (this.mode === "snapshot") this._refreshSoon(0);
  }

  // the stream ends (a WHEP session with its DELETE first); `blank` also empties the
  // <video> (else it keeps its last frame while reconnecting)
  _teardownStream(blank = true) {
    const player = this.player;
    this.player = null;
    if (player) player.stop().catch(() => { /* ended either way */ });
    if (blank) {
      this.video.srcObject = null;
      this.video.removeAttribute("src");
    }
  }

  stop() {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.retryTimer);
    clearTimeout(this.timer);
    this._teardownStream();
    if (this.prepared) this.prepared.stop().catch(() => { /* not opened: nothing to end */ });
    this.prepared = null;
    this.observer.disconnect();
    document.removeEventListener("visibilitychange", this.onVisibility);
    window.removeEventListener("pagehide", this.onPageHide);
    if (this.release) this.release();
    this.release = null;
  }
}
