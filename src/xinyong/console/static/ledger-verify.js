/*
 * ledger-verify.js — check a record's transparency-log proof in the browser (透明日志 浏览器验证).
 *
 * Fetches the record's inclusion proof and signed tree head (STH), the leaf bytes and the log's
 * public key; recomputes the leaf hash and the RFC 6962 / RFC 9162 root with Web Crypto SHA-256,
 * and checks the STH's Ed25519 signature where the browser's Web Crypto supports Ed25519.
 * Nothing here trusts the server's arithmetic: only its signature.
 *
 * Markup: any element with `data-ledger-verify` and `data-record-id="<id>"` is a button; the result
 * goes into the element named by `data-ledger-output` (a CSS selector) or the button's next sibling.
 * A `[data-ledger-load]` button inside a `[data-ledger-subject="<subject id>"]` container (with an
 * optional `data-as-of`) loads that subject's public records' proofs and adds a badge per record.
 * API: window.XinyongLedger.{leafHash, nodeHash, rootFromInclusion, sthBytes, verifyRecord, loadSubject}.
 */
(function () {
  "use strict";
  // The badge may be included once per record: bind once per document.
  if (document.documentElement.hasAttribute("data-ledger-verify-bound")) return;
  document.documentElement.setAttribute("data-ledger-verify-bound", "");

  function hexToBytes(hex) {
    if (typeof hex !== "string" || hex.length % 2) throw new Error("bad hex");
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) {
      const byte = parseInt(hex.substr(i * 2, 2), 16);
      if (Number.isNaN(byte)) throw new Error("bad hex");
      out[i] = byte;
    }
    return out;
  }

  function bytesToHex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  function leafHash(data) {
    return sha256(concat(Uint8Array.of(0), data));
  }

  function nodeHash(left, right) {
    return sha256(concat(Uint8Array.of(1), left, right));
  }

  /* RFC 9162 §2.1.3.2: the root an audit path leads to, or an Error when the path cannot fit. */
  async function rootFromInclusion(leafIndex, treeSize, leaf, path) {
    if (!(leafIndex >= 0 && leafIndex < treeSize)) throw new Error("leaf index outside the tree");
    let fn = leafIndex;
    let sn = treeSize - 1;
    let r = leaf;
    for (const p of path) {
      if (sn === 0) throw new Error("audit path too long");
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    if (sn !== 0) throw new Error("audit path too short");
    return r;
  }

  /* RFC 6962 TreeHeadSignature: 0x00 (v1), 0x01 (tree_hash), uint64 timestamp, uint64 size, root. */
  function sthBytes(sth) {
    const out = new Uint8Array(50);
    const view = new DataView(out.buffer);
    view.setUint8(0, 0);
    view.setUint8(1, 1);
    view.setBigUint64(2, BigInt(sth.timestamp));
    view.setBigUint64(10, BigInt(sth.tree_size));
    out.set(hexToBytes(sth.root_hash), 18);
    return out;
  }

  /* true / false, or null when this browser's Web Crypto has no Ed25519. */
  async function verifySignature(sth, keyDoc) {
    let key;
    try {
      key = await crypto.subtle.importKey("raw", hexToBytes(keyDoc.public_key_hex), { name: "Ed25519" }, false,
        ["verify"]);
    } catch (e) {
      return null;
    }
    return crypto.subtle.verify({ name: "Ed25519" }, key, hexToBytes(sth.signature), sthBytes(sth));
  }

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  /* Verify one record; resolves to {ok, reason, leafIndex, treeSize, root, signature, contentChecked}. */
  async function verifyRecord(recordId, base) {
    base = base || "";
    if (!window.crypto || !crypto.subtle) {
      return { ok: false, reason: "Web Crypto needs HTTPS / 浏览器验证需要 HTTPS" };
    }
    const proof = await getJson(`${base}/api/v1/ledger/records/${encodeURIComponent(recordId)}`);
    const [leaf, keyDoc] = await Promise.all([
      getJson(`${base}/api/v1/ledger/leaves/${proof.leaf_index}`),
      getJson(`${base}/.well-known/xinyong-ledger-key`),
    ]);
    const sth = proof.sth;
    const result = { leafIndex: proof.leaf_index, treeSize: sth.tree_size, root: sth.root_hash,
      contentChecked: false, signature: null, ok: false, reason: "" };
    let leafBytesHash = hexToBytes(proof.leaf_hash);
    if (leaf.data_hex !== null && leaf.data_hex !== undefined) {
      // Recompute the leaf hash from the exact bytes, and check the bytes name this record.
      leafBytesHash = await leafHash(hexToBytes(leaf.data_hex));
      const event = JSON.parse(new TextDecoder().decode(hexToBytes(leaf.data_hex)));
      if (event.record_id !== recordId) {
        result.reason = "leaf names another record / 叶数据不属于该记录";
        return result;
      }
      result.contentChecked = true;
    }
    let root;
    try {
      root = await rootFromInclusion(proof.leaf_index, sth.tree_size, leafBytesHash,
        proof.audit_path.map(hexToBytes));
    } catch (e) {
      result.reason = `${e.message} / 证明无效`;
      return result;
    }
    if (bytesToHex(root) !== sth.root_hash) {
      result.reason = "recomputed root differs from the signed tree head / 重算根哈希与签名树头不符";
      return result;
    }
    result.signature = await verifySignature(sth, keyDoc);
    if (result.signature === false) {
      result.reason = "tree head signature invalid / 树头签名无效";
      return result;
    }
    result.ok = true;
    return result;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text; // never innerHTML: labels come from records
    return node;
  }

  function badge(p) {
    const row = el("div", "ledger-badge");
    row.setAttribute("data-leaf-index", String(p.leaf_index));
    row.append(el("span", "tag", "透明日志 Log"), " ");
    if (p.label) row.append(el("span", "ledger-label", p.label), " · ");
    row.append("叶 Leaf ", el("b", "ledger-leaf", `#${p.leaf_index}`), " · 树头 Tree head ",
      el("span", "ledger-size", String(p.tree_size)), " ");
    const root = el("code", "ledger-root", `${p.root.slice(0, 16)}…`);
    root.title = p.root;
    const link = el("a", "", "证明 Proof");
    link.href = p.proof_url;
    link.rel = "nofollow";
    const button = el("button", "ledger-verify", "验证 Verify");
    button.type = "button";
    button.setAttribute("data-ledger-verify", "");
    button.setAttribute("data-record-id", p.record_id);
    row.append(root, " · ", link, " ", button, " ", el("span", "ledger-result"));
    return row;
  }

  /* Fill a [data-ledger-subject] container with a badge per public record of that subject. */
  async function loadSubject(container) {
    const id = container.getAttribute("data-ledger-subject");
    const asOf = container.getAttribute("data-as-of");
    const base = container.getAttribute("data-base") || "";
    const list = container.querySelector(".ledger-list") || container;
    const query = asOf ? `?as_of=${encodeURIComponent(asOf)}` : "";
    const proofs = await getJson(`${base}/api/v1/ledger/subjects/${encodeURIComponent(id)}${query}`);
    list.replaceChildren(...(proofs.length ? proofs.map(badge)
      : [el("p", "muted", "暂无已入日志的公开记录 No logged public records")]));
    container.setAttribute("data-ledger-loaded", String(proofs.length));
    return proofs.length;
  }

  function outputFor(button) {
    const selector = button.getAttribute("data-ledger-output");
    return (selector && document.querySelector(selector)) || button.nextElementSibling || button;
  }

  document.addEventListener("click", async (event) => {
    const loader = event.target.closest ? event.target.closest("[data-ledger-load]") : null;
    if (loader) {
      event.preventDefault();
      const container = loader.closest("[data-ledger-subject]");
      if (!container) return;
      loader.disabled = true;
      try {
        await loadSubject(container);
        loader.remove();
      } catch (e) {
        loader.disabled = false;
        loader.textContent = `重试 Retry (${e.message})`;
      }
      return;
    }
    const button = event.target.closest ? event.target.closest("[data-ledger-verify]") : null;
    if (!button) return;
    event.preventDefault();
    const out = outputFor(button);
    out.textContent = "验证中… Verifying…";
    out.className = (out.className || "").replace(/\bledger-(ok|bad)\b/g, "").trim();
    let result;
    try {
      result = await verifyRecord(button.getAttribute("data-record-id"), button.getAttribute("data-base") || "");
    } catch (e) {
      result = { ok: false, reason: e.message };
    }
    out.classList.add(result.ok ? "ledger-ok" : "ledger-bad");
    out.setAttribute("data-ledger-result", result.ok ? "ok" : "bad");
    if (result.ok) {
      const sig = result.signature === null ? "签名未在本浏览器核验 signature not checked by this browser"
        : "签名有效 signature valid";
      out.textContent = `✓ 已验证 Verified: 叶 leaf #${result.leafIndex} ∈ 树 tree ${result.treeSize}` +
        ` (${result.root.slice(0, 16)}…); ${sig}`;
    } else {
      out.textContent = `✗ 验证失败 Verification failed: ${result.reason}`;
    }
  });

  window.XinyongLedger = {
    leafHash, nodeHash, rootFromInclusion, sthBytes, verifyRecord, loadSubject, hexToBytes, bytesToHex,
  };
})();
