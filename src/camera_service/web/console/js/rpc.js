// JSON-RPC 2.0 over the service's WebSocket (/ws on this origin).
// call() resolves with the result or rejects with an RpcError carrying code/message/data;
// notifications are dispatched as "notification" events ({method, params}); "close" fires
// once when the socket closes (the app reconnects).

export class RpcError extends Error {
  constructor(code, message, data) {
    super(message);
    this.code = code;
    this.data = data || {};
  }
  // the server's explanation: data.reason (-32001), else data.detail, else the message
  get reason() {
    return this.data.reason || this.data.detail || this.message;
  }
}

export const AUTH_FAILED = -32001;
export const PERMISSION_DENIED = -32002;

export function socketUrl(loc = window.location) {
  return `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}/ws`;
}

export class RpcClient extends EventTarget {
  constructor(url = socketUrl()) {
    super();
    this.url = url;
    this.ws = null;
    this.nextId = 1;
    this.pending = new Map();
  }

  connect(timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url);
      this.ws = ws;
      const timer = setTimeout(() => { ws.close(); reject(new RpcError(0, "the service did not answer")); }, timeoutMs);
      ws.addEventListener("open", () => { clearTimeout(timer); resolve(); });
      ws.addEventListener("message", (e) => this._message(e.data));
      ws.addEventListener("close", () => {
        clearTimeout(timer);
        reject(new RpcError(0, "cannot reach the service"));
        for (const { reject: fail, timer: t } of this.pending.values()) {
          clearTimeout(t);
          fail(new RpcError(0, "connection closed"));
        }
        this.pending.clear();
        if (this.ws === ws) this.dispatchEvent(new Event("close"));
      });
    });
  }

  close() {
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000);
  }

  call(method, params = {}, timeoutMs = 30000) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new RpcError(0, "not connected"));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcError(0, `${method}: no answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    });
  }

  _message(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    for (const m of Array.isArray(msg) ? msg : [msg]) {
      if (m.id === undefined || m.id === null) {
        if (m.method) this.dispatchEvent(new CustomEvent("notification", { detail: m }));
        continue;
      }
      const p = this.pending.get(m.id);
      if (!p) continue;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) p.reject(new RpcError(m.error.code, m.error.message, m.error.data));
      else p.resolve(m.result);
    }
  }
}
