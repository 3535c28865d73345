// The console: sign-in, the connection, the router. Views are modules with
// mount(container, app, arg) returning an unmount function.

import { announce, reasonOf } from "./dom.js";
import { mediamtxProblem } from "./health.js";
import { AUTH_FAILED, RpcClient, RpcError } from "./rpc.js";
import * as camerasView from "./cameras.js";
import * as cameraView from "./camera.js";
import * as eventsView from "./events.js";
import * as filesView from "./files.js";
import * as motionView from "./motion.js";
import * as systemView from "./system.js";
import { WhepSession } from "./whep.js";

const TOKEN_KEY = "camera-console-token";
const INFO_INTERVAL_MS = 15000;
const SPARE_OFFER_MS = 30000; // a WHEP offer made at sign-in and not taken is closed then
const ROLES = { viewer: 0, operator: 1, admin: 2 };
const ROUTES = { cameras: camerasView, camera: cameraView, files: filesView, events: eventsView, motion: motionView, system: systemView };

const $ = (id) => document.getElementById(id);

class App extends EventTarget {
  constructor() {
    super();
    this.token = null;
    this.role = null;
    this.rpc = null;
    this.serverInfo = null;
    this.unmount = null;
    this.expiryTimer = null;
    this.retry = 0;
    this.infoTimer = null;
    this.infoPending = null;
    this.webrtcUnreachable = false; // WebRTC could not connect once: this tab uses HLS
    this.spareOffer = null; // a WhepSession with its offer made at sign-in (no URL yet)
  }

  // An offer's ICE gathering (~0.1 s) does not depend on the camera: made while signing in,
  // the first live picture posts it as soon as it knows its WHEP URL.
  prepareSpareOffer() {
    this.dropSpareOffer();
    if (this.webrtcUnreachable || typeof RTCPeerConnection === "undefined") return;
    const spare = new WhepSession(null, null, () => { /* set when taken */ });
    spare.prepare().catch(() => { /* the taker's open() says why */ });
    spare.expiry = setTimeout(() => { if (this.spareOffer === spare) this.dropSpareOffer(); }, SPARE_OFFER_MS);
    this.spareOffer = spare;
  }

  // the spare offer for `url` (once), or null
  takeSpareOffer(url) {
    const spare = this.spareOffer;
    this.spareOffer = null;
    if (!spare) return null;
    clearTimeout(spare.expiry);
    spare.url = url;
    spare.token = this.token;
    return spare;
  }

  dropSpareOffer() {
    const spare = this.spareOffer;
    this.spareOffer = null;
    if (spare) {
      clearTimeout(spare.expiry);
      spare.stop().catch(() => { /* never opened: nothing to end */ });
    }
  }

  can(role) {
    return this.role !== null && ROLES[this.role] >= ROLES[role];
  }

  // every call goes through here: an authentication failure signs out with its reason
  async call(method, params) {
    try {
      return await this.rpc.call(method, params);
    } catch (err) {
      if (err instanceof RpcError && err.code === AUTH_FAILED) this.signOut(err.reason);
      throw err;
    }
  }

  async start() {
    $("signin-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const token = $("token").value.trim();
      if (token) this.signIn(token);
    });
    $("signout").addEventListener("click", () => this.signOut(null));
    window.addEventListener("hashchange", () => this.route());
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) await this.signIn(saved);
    else this.showSignIn(null);
  }

  showSignIn(reason, prefix = "Signed out") {
    if (this.unmount) { this.unmount(); this.unmount = null; }
    $("view").replaceChildren();
    $("nav").hidden = $("who").hidden = $("signout").hidden = true;
    $("signin").hidden = false;
    const error = $("signin-error");
    error.hidden = !reason;
    error.textContent = reason ? `${prefix}: ${reason}.` : "";
    $("token").value = "";
    $("token").focus();
    this.setBanner(null);
  }

  signOut(reason) {
    clearTimeout(this.expiryTimer);
    this.dropSpareOffer();
    clearInterval(this.infoTimer);
    sessionStorage.removeItem(TOKEN_KEY);
    this.token = this.role = null;
    const rpc = this.rpc;
    this.rpc = null;
    if (rpc) rpc.close();
    this.showSignIn(reason);
  }

  async connect(token) {
    const rpc = new RpcClient();
    await rpc.connect();
    let auth;
    try {
      auth = await rpc.call("authenticate", { auth_token: token });
    } catch (err) {
      rpc.close();
      throw err;
    }
    rpc.addEventListener("notification", (e) => this.dispatchEvent(new CustomEvent("notification", { detail: e.detail })));
    rpc.addEventListener("close", () => this.lost());
    this.rpc = rpc;
    return auth;
  }

  async signIn(token) {
    performance.mark("sign-in");
    this.prepareSpareOffer();
    let auth;
    try {
      auth = await this.connect(token);
    } catch (err) {
      sessionStorage.removeItem(TOKEN_KEY);
      this.showSignIn(err.code === AUTH_FAILED ? err.reason : reasonOf(err), "Sign-in refused");
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    this.token = token;
    this.role = auth.role;
    this.retry = 0;
    this.scheduleExpiry(auth.expires_at);
    $("signin").hidden = true;
    $("nav").hidden = $("who").hidden = $("signout").hidden = false;
    $("who").textContent = `${auth.role}`;
    $("who").title = auth.expires_at ? `session until ${new Date(auth.expires_at).toLocaleString()}` : "";
    document.body.dataset.role = auth.role;
    await this.refreshInfo();
    this.watchInfo();
    this.route();
  }

  scheduleExpiry(expiresAt) {
    clearTimeout(this.expiryTimer);
    const t = expiresAt ? Date.parse(expiresAt) : NaN;
    if (!isFinite(t)) return;
    const left = Math.max(0, t - Date.now());
    if (left < 2 ** 31) this.expiryTimer = setTimeout(() => this.signOut("token expired"), left);
  }

  // MediaMTX coming or going changes how every picture is shown: the views hear of it
  // ("mediamtx" event) whenever a fresh get_server_info says so
  async refreshInfo() {
    const before = this.serverInfo && mediamtxProblem(this.serverInfo) === null;
    try {
      this.serverInfo = await this.call("get_server_info", {});
    } catch {
      this.serverInfo = null;
    }
    if (this.serverInfo && before !== null && before !== (mediamtxProblem(this.serverInfo) === null)) {
      this.dispatchEvent(new Event("mediamtx"));
    }
  }

  // a fresh get_server_info for whoever asks now (live views waiting for MediaMTX), one
  // call however many ask at once
  checkInfo() {
    if (!this.rpc) return Promise.resolve();
    if (!this.infoPending) this.infoPending = this.refreshInfo().finally(() => { this.infoPending = null; });
    return this.infoPending;
  }

  // and now and then (there is no notification for it)
  watchInfo() {
    clearInterval(this.infoTimer);
    this.infoTimer = setInterval(() => this.checkInfo(), INFO_INTERVAL_MS);
  }

  // the socket closed under us: reconnect with backoff and re-authenticate
  lost() {
    if (!this.token) return;
    this.rpc = null;
    const delay = Math.min(10, 2 ** this.retry++);
    this.setBanner(`Connection to the service lost; reconnecting in ${delay} s…`);
    setTimeout(async () => {
      if (!this.token) return;
      try {
        await this.connect(this.token);
      } catch (err) {
        if (err.code === AUTH_FAILED) { this.signOut(err.reason); return; }
        this.lost();
        return;
      }
      this.retry = 0;
      this.setBanner(null);
      await this.refreshInfo();
      this.route();
    }, delay * 1000);
  }

  setBanner(text) {
    const b = $("banner");
    b.hidden = !text;
    b.textContent = text || "";
  }

  route() {
    if (!this.token || !this.rpc) return;
    const [name, arg] = (location.hash.replace(/^#\/?/, "") || "cameras").split("/");
    const view = ROUTES[name] || camerasView;
    if (this.unmount) this.unmount();
    this.setBanner(null);
    const container = $("view");
    container.replaceChildren();
    for (const a of document.querySelectorAll("#nav a")) {
      if (a.dataset.route === name) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    this.unmount = view.mount(container, this, arg ? decodeURIComponent(arg) : undefined);
    const heading = container.querySelector("h1");
    if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
  }

  // a failed action's message, shown and announced
  report(err, where) {
    const text = `${where}: ${reasonOf(err)}`;
    this.setBanner(text);
    announce(text);
  }
}

export const app = new App();
app.start();
