// A camera's picture in a tile or on its page: live through MediaMTX when it can, else the
// freshest snapshot, always with a caption that says which and why.
//
// 1. WebRTC: WHEP (POST an SDP offer to streams.webrtc with "Authorization: Bearer").
// 2. HLS, only where the browser plays it natively (Safari, some Chromium builds); the
//    credential goes as ?jwt= since a <video> cannot send headers.
// 3. Snapshots: operators and admins take one every REFRESH_S seconds while the picture is
//    on screen and the tab is visible (each is saved as a file, so the tile's checkbox
//    turns it off); viewers cannot take snapshots, so they see the camera's newest existing
//    snapshot, replaced whenever anyone takes one (snapshot_taken notification).
// Streams are not tried while the service says MediaMTX is down (the browser would log
// every refused connection as an error).

import { h, reasonOf, when } from "./dom.js";
import { mediamtxProblem } from "./health.js";
import { showFile } from "./links.js";

export const REFRESH_S = 10;
const PLAY_TIMEOUT_MS = 8000;

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
    this.pc = null;
    this.session = null;
    this.timer = null;
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
  }

  get mode() { return this.el.dataset.mode; }

  _setMode(mode, caption) {
    this.el.dataset.mode = mode;
    this.video.hidden = !(mode === "webrtc" || mode === "hls");
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
    this._teardownStream();
    const cam = this.camera;
    if (cam.status !== "CONNECTED") {
      this._setMode("off", `No picture: the camera is ${String(cam.status || "unknown").toLowerCase()}${cam.reason ? ` (${cam.reason})` : ""}.`);
      return;
    }
    let why = mediamtxProblem(this.app.serverInfo);
    if (!why) why = await this._streamProblem();
    if (!why && gen === this.generation) {
      this._setMode("connecting", "Connecting to the live stream…");
      try {
        await this._webrtc(gen);
        return;
      } catch (err) {
        why = `WebRTC failed: ${reasonOf(err)}`;
      }
      if (gen === this.generation && this._hlsPlayable()) {
        try {
          await this._hls(gen);
          return;
        } catch (err) {
          why += `; HLS failed: ${reasonOf(err)}`;
        }
      }
    }
    if (gen !== this.generation) return;
    this.why = `No live stream: ${why}.`;
    this._setMode("snapshot", this.why);
    this._refreshSoon(0);
  }

  async _streamProblem() {
    try {
      const s = await this.app.call("get_stream_url", { device: this.camera.device });
      return s.available === false ? "the stream is not ready in MediaMTX" : null;
    } catch (err) {
      return reasonOf(err);
    }
  }

  _playing(gen) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no frames")), PLAY_TIMEOUT_MS);
      this.video.addEventListener("playing", () => { clearTimeout(timer); resolve(); }, { once: true });
      this.video.play().catch(() => { /* autoplay waits for "playing" */ });
    }).then(() => { if (gen !== this.generation) throw new Error("superseded"); });
  }

  async _webrtc(gen) {
    const url = this.camera.streams && this.camera.streams.webrtc;
    if (!url || !/\/whep$/.test(new URL(url, location.href).pathname)) throw new Error("no WHEP URL");
    const pc = new RTCPeerConnection();
    this.pc = pc;
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    pc.addEventListener("connectionstatechange", () => {
      // the stream went away (MediaMTX stopped, camera gone): try again, or fall back
      if (this.pc === pc && pc.connectionState === "failed" && gen === this.generation) this.start();
    });
    pc.addEventListener("track", (e) => {
      if (e.track.kind === "video") this.video.srcObject = e.streams[0] || new MediaStream([e.track]);
    });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      const t = setTimeout(resolve, 2000);
      pc.addEventListener("icegatheringstatechange", () => {
        if (pc.iceGatheringState === "complete") { clearTimeout(t); resolve(); }
      });
    });
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/sdp", Authorization: `Bearer ${this.app.token}` },
      body: pc.localDescription.sdp,
    });
    if (res.status !== 201 && res.status !== 200) throw new Error(`WHEP answered ${res.status}`);
    const location = res.headers.get("Location");
    if (location) this.session = new URL(location, url).href;
    await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
    this._setMode("webrtc", "Live (WebRTC)");
    await this._playing(gen);
  }

  _hlsPlayable() {
    return Boolean(this.camera.streams && this.camera.streams.hls)
      && this.video.canPlayType("application/vnd.apple.mpegurl") !== "";
  }

  async _hls(gen) {
    const u = new URL(this.camera.streams.hls, location.href);
    u.searchParams.set("jwt", this.app.token);
    this.video.srcObject = null;
    this.video.src = u.href;
    this._setMode("hls", "Live (HLS)");
    await this._playing(gen);
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

  _teardownStream() {
    clearTimeout(this.timer);
    if (this.pc) { this.pc.close(); this.pc = null; }
    if (this.session) {
      fetch(this.session, { method: "DELETE", headers: { Authorization: `Bearer ${this.app.token}` } }).catch(() => {});
      this.session = null;
    }
    this.video.srcObject = null;
    this.video.removeAttribute("src");
  }

  stop() {
    this.stopped = true;
    this.generation++;
    this._teardownStream();
    this.observer.disconnect();
    document.removeEventListener("visibilitychange", this.onVisibility);
    if (this.release) this.release();
    this.release = null;
  }
}
