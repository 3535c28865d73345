// Files (snapshots, recordings) through their download_url, as the service gives it.
//
// The service's links are signed (absolute {base}/files/{kind}/{name}?expires=…&sig=…, see
// README "Downloading files") and work as plain links: used as they are for <img>, <video>
// (Range requests, so seeking works) and downloads, with no credential and no copy in
// memory. Views ask for a fresh link (get_*_info) before a play or a download, since a page
// may be older than a link. Only a link without a signature (a service older than signed
// links) is fetched with "Authorization: Bearer" into a blob: URL, and a signed <img>/<video>
// link refused anyway (403: expired while the page was open) falls back to that fetch.

// The console is served by the same server as /files, so a file link is always loaded from
// this page's origin: an absolute link names the configured public host, which may not be
// the address this browser used (and a cross-origin <a download> would navigate instead).
export function local(url) {
  try {
    const u = new URL(url, window.location.href);
    return u.pathname.startsWith("/files/") ? `${window.location.origin}${u.pathname}${u.search}` : u.href;
  } catch {
    return url;
  }
}

export function isSigned(url) {
  try {
    const u = new URL(url, window.location.href);
    return u.searchParams.has("sig");
  } catch {
    return false;
  }
}

export function fileName(url) {
  try {
    return decodeURIComponent(new URL(url, window.location.href).pathname.split("/").pop());
  } catch {
    return "download";
  }
}

// the bytes of a file as a blob: URL; the caller revokes it
export async function blobUrl(url, token) {
  url = local(url);
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
  if (!res.ok) {
    let why = `${res.status} ${res.statusText}`;
    try { why = (await res.json()).error || why; } catch { /* not JSON */ }
    throw new Error(`cannot load ${fileName(url)}: ${why}`);
  }
  return URL.createObjectURL(await res.blob());
}

// Shows a file in an <img> or <video>: the signed link directly, else a blob. Returns a
// function that releases what it made.
export async function showFile(el, url, token) {
  url = local(url);
  if (isSigned(url)) {
    let fallback = null;
    const onError = async () => {
      if (fallback) return;
      fallback = await blobUrl(url, token);
      el.src = fallback;
    };
    el.addEventListener("error", onError, { once: true });
    el.src = url;
    return () => { el.removeEventListener("error", onError); if (fallback) URL.revokeObjectURL(fallback); };
  }
  const blob = await blobUrl(url, token);
  el.src = blob;
  return () => URL.revokeObjectURL(blob);
}

// Saves a file as a download (the browser's own download, with the file's name): a signed
// save_url is answered "Content-Disposition: attachment", so it saves even where <a download>
// is ignored (another origin).
export async function download(url, token, name = fileName(url)) {
  url = local(url);
  let href = url;
  let made = null;
  if (!isSigned(url)) href = made = await blobUrl(url, token);
  const a = document.createElement("a");
  a.href = href;
  a.download = name;
  a.rel = "noopener";
  document.body.append(a);
  a.click();
  a.remove();
  if (made) setTimeout(() => URL.revokeObjectURL(made), 60000);
}
