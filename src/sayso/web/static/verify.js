// Check a Sayso receipt in the browser, trusting nothing the page says: the receipt's
// Ed25519 signature against the published keys, its checkpoint's signature, the record's
// inclusion under that checkpoint (RFC 9162), and that the live public checkpoint extends
// it (consistency proof). Uses only WebCrypto; the page works without this script.
"use strict";
(function () {
  const enc = new TextEncoder();
  const b64u = (s) => b64(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
  const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const cat = (...parts) => { const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0)); let o = 0; for (const p of parts) { out.set(p, o); o += p.length; } return out; };
  const sha256 = async (data) => new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const leafHash = (d) => sha256(cat(new Uint8Array([0]), d));
  const nodeHash = (l, r) => sha256(cat(new Uint8Array([1]), l, r));
  const half = (n) => Math.floor(n / 2);
  const odd = (n) => n % 2 === 1;

  function canonical(v) {  // the same bytes as Python's canonical_json
    if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
    if (v && typeof v === "object") return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}";
    return JSON.stringify(v);
  }

  async function chain(fn, sn, seed, path) {  // RFC 9162 2.1.3.2 / 2.1.4.2
    let fr = seed, sr = seed;
    for (const c of path) {
      if (sn === 0) throw new Error("the proof is longer than the tree is deep");
      if (odd(fn) || fn === sn) {
        fr = await nodeHash(c, fr); sr = await nodeHash(c, sr);
        while (fn !== 0 && !odd(fn)) { fn = half(fn); sn = half(sn); }
      } else { sr = await nodeHash(sr, c); }
      fn = half(fn); sn = half(sn);
    }
    if (sn !== 0) throw new Error("the proof is shorter than the tree is deep");
    return [fr, sr];
  }

  async function consistent(m, n, proof, oldRoot, newRoot) {
    if (m === n) return proof.length === 0 && same(oldRoot, newRoot);
    const pow2 = (m & (m - 1)) === 0 && m < 2 ** 31;
    const path = pow2 ? [oldRoot, ...proof] : proof;
    let fn = m - 1, sn = n - 1;
    while (odd(fn)) { fn = half(fn); sn = half(sn); }
    const [fr, sr] = await chain(fn, sn, path[0], path.slice(1));
    return same(fr, oldRoot) && same(sr, newRoot);
  }

  async function importKey(jwk) {
    return crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, ["verify"]);
  }

  async function openCheckpoint(note, keys) {  // C2SP signed note
    const split = note.lastIndexOf("\n\n");
    const text = note.slice(0, split + 1);
    const [origin, size, root] = text.slice(0, -1).split("\n");
    for (const line of note.slice(split + 2, -1).split("\n")) {
      const name = line.slice(2, line.indexOf(" ", 2));
      const raw = b64(line.slice(line.indexOf(" ", 2) + 1));
      for (const jwk of keys) {
        const pub = b64u(jwk.x);
        const id = (await sha256(cat(enc.encode(name + "\n"), new Uint8Array([1]), pub))).slice(0, 4);
        if (name === origin && same(id, raw.slice(0, 4)) &&
            await crypto.subtle.verify("Ed25519", await importKey(jwk), raw.slice(4), enc.encode(text))) {
          return { size: Number(size), root: b64(root) };
        }
      }
    }
    throw new Error("the checkpoint carries no valid signature by a published key");
  }

  async function check(jws) {
    const keys = (await (await fetch("/api/v1/log/keys")).json()).keys;
    const [h, p, s] = jws.trim().split(".");
    const header = JSON.parse(new TextDecoder().decode(b64u(h)));
    const jwk = keys.find((k) => k.kid === header.kid);
    if (!jwk) throw new Error("it is signed by a key this server does not publish");
    if (!await crypto.subtle.verify("Ed25519", await importKey(jwk), b64u(s), enc.encode(h + "." + p)))
      throw new Error("its signature does not match: it was altered");
    const payload = JSON.parse(new TextDecoder().decode(b64u(p)));
    const cp = await openCheckpoint(payload.checkpoint, keys);
    const leaf = await leafHash(await sha256(cat(b64(payload.salt), enc.encode(canonical(payload.record)))));
    const [, root] = await chain(payload.log_index, cp.size - 1, leaf, payload.inclusion_proof.map(b64));
    if (payload.log_index >= cp.size || !same(root, cp.root)) throw new Error("the record is not included under its checkpoint");
    const live = await (await fetch("/api/v1/log/checkpoint")).json();
    const latest = await openCheckpoint(live.note, keys);
    let proof = [];
    if (latest.size !== cp.size) {
      const r = await fetch(`/api/v1/log/proof/consistency?first=${cp.size}&second=${latest.size}`);
      proof = (await r.json()).hashes.map(b64);
    }
    if (!await consistent(cp.size, latest.size, proof, cp.root, latest.root))
      throw new Error("the live log is not an extension of the receipt's checkpoint");
    return `signature, inclusion under checkpoint ${cp.size}, and the live log (${latest.size} entries) all agree`;
  }

  function init() {  // on a full load, and after htmx swaps a page in (hx-boost)
    const button = document.getElementById("verify-in-browser");
    if (!button || button.dataset.ready) return;
    button.dataset.ready = "1";
    button.hidden = false;
    button.addEventListener("click", async () => {
      const out = document.getElementById("browser-result");
      out.textContent = "Checking…";
      try { out.textContent = "Verified in your browser: " + await check(button.dataset.jws) + "."; out.className = "banner"; }
      catch (e) { out.textContent = "Not verified: " + e.message + "."; out.className = "error"; }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("htmx:afterSettle", init);
})();
