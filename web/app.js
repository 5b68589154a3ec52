// kaitsu review page: the notice list, one notice's fields, findings and
// page images with value boxes. Plain JS, no dependencies; talks only to
// this server's /api/ (see docs/api.md).
"use strict";

const LANG = new URLSearchParams(location.search).get("lang") === "en" ? "en" : "ja";

const TEXT = {
  ja: {
    title: "開通のご案内 確認",
    drop: "PDFをここにドロップ、またはクリックして選択",
    needsFilter: "要確認のみ表示",
    file: "ファイル", status: "状態", errors: "エラー", warnings: "警告", infos: "情報",
    empty: "まだ通知がありません。",
    reveal: "秘密情報を表示", hide: "秘密情報を隠す",
    findings: "指摘事項", fields: "項目", field: "項目", value: "値",
    local: "このページの内容はこのコンピューターの外に送信されません。",
    parsed: "解析済み", error: "エラー", noFindings: "指摘はありません。",
    noBox: "この項目のページ上の位置はわかりません。",
    uploading: "アップロード中…", uploaded: "件追加しました。", uploadFailed: "アップロードできません: ",
    page: "ページ", user: "ユーザー", server: "DNSサーバー",
    severity: { error: "エラー", warning: "警告", info: "情報" },
    kinds: {
      encrypted: "暗号化", corrupt: "破損", no_text_layer: "文字情報なし",
      not_a_notice: "開通案内ではない", io: "読み込み失敗", limit_exceeded: "上限超過", timeout: "時間切れ",
    },
    labels: {
      customer_number: "お客さま番号", contract_start_date: "ご利用開始日", contractor_name: "ご契約者名",
      service_name: "ご利用サービス名", product_name: "ご利用製品名", id_count: "ご利用ID数",
      domain: "ドメイン名", login_url: "ログイン先URL", dns_zone_support: "導入支援",
      temporary_password_expiry: "仮パスワードの有効期限",
      zone: "ゾーン名", control_panel_url: "コントロールパネルURL", auth_id: "認証ID",
      auth_password: "認証パスワード", role: "種別", hostname: "ホスト名", ip: "IPアドレス",
      no: "No.", name: "ユーザー名", user_id: "ユーザーID", temporary_password: "パスワード(仮)",
      password_reading: "パスワード読み仮名", order: "区分",
    },
  },
  en: {
    title: "Activation notice review",
    drop: "Drop PDFs here, or click to choose",
    needsFilter: "Needs a person only",
    file: "File", status: "Status", errors: "Errors", warnings: "Warnings", infos: "Info",
    empty: "No notices yet.",
    reveal: "Reveal secrets", hide: "Hide secrets",
    findings: "Findings", fields: "Fields", field: "Field", value: "Value",
    local: "Nothing on this page leaves this computer.",
    parsed: "parsed", error: "error", noFindings: "No findings.",
    noBox: "Where this field is on the page is not known.",
    uploading: "Uploading…", uploaded: " added.", uploadFailed: "Upload failed: ",
    page: "Page", user: "User", server: "DNS server",
    severity: { error: "error", warning: "warning", info: "info" },
    kinds: {},
    labels: {
      customer_number: "Customer number", contract_start_date: "Contract start", contractor_name: "Contractor",
      service_name: "Service", product_name: "Product", id_count: "ID count", domain: "Domain",
      login_url: "Login URL", dns_zone_support: "Zone support", temporary_password_expiry: "Password expiry",
      zone: "Zone", control_panel_url: "Control panel URL", auth_id: "Auth ID", auth_password: "Auth password",
      role: "Role", hostname: "Host name", ip: "IP address", no: "No.", name: "Name", user_id: "User ID",
      temporary_password: "Temporary password", password_reading: "Password reading", order: "Order",
    },
  },
};
const T = TEXT[LANG];

const state = { notices: [], current: null, revealed: new Set() };

function $(sel) { return document.querySelector(sel); }
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

function translatePage() {
  document.documentElement.lang = LANG;
  document.title = T.title;
  for (const node of document.querySelectorAll("[data-t]")) {
    const t = T[node.dataset.t];
    if (typeof t === "string") node.textContent = t;
  }
  const sw = $("#lang-switch");
  sw.textContent = LANG === "en" ? "日本語" : "English";
  sw.href = LANG === "en" ? "?" : "?lang=en";
}

async function getJson(url, init) {
  const r = await fetch(url, init);
  const body = await r.json();
  if (!r.ok) throw new Error(body && body.error ? body.error.message : r.statusText);
  return body;
}

// ---- the list ------------------------------------------------------------

async function loadList() {
  const q = $("#needs-filter").checked ? "?needs_person=1" : "";
  state.notices = (await getJson("/api/notices" + q)).notices;
  const body = $("#notice-list tbody");
  body.replaceChildren();
  for (const n of state.notices) {
    const status = n.status === "error"
      ? `${T.error}: ${T.kinds[n.error_kind] || n.error_kind}` : T.parsed;
    const row = el("tr", { class: "notice-row" + (n.needs_person ? " needs" : ""), "data-id": String(n.id) },
      el("td", { class: "src", title: n.source }, n.source.split(/[\\/]/).pop()),
      el("td", { class: "status " + n.status }, status),
      ...["error", "warning", "info"].map((sev) => {
        const count = n.findings[sev] || 0;
        return el("td", { class: `count ${sev}${count ? "" : " zero"}` }, String(count));
      }));
    if (state.current === n.id) row.classList.add("selected");
    row.addEventListener("click", () => openNotice(n.id));
    body.append(row);
  }
  $("#empty").hidden = state.notices.length > 0;
}

async function upload(files) {
  const pdfs = [...files];
  if (!pdfs.length) return;
  const form = new FormData();
  for (const f of pdfs) form.append("file", f, f.name);
  $("#upload-status").textContent = T.uploading;
  try {
    const added = (await getJson("/api/notices", { method: "POST", body: form })).notices;
    $("#upload-status").textContent = `${added.length}${T.uploaded}`;
    await loadList();
    if (added.length) await openNotice(added[0].id);
  } catch (e) {
    $("#upload-status").textContent = T.uploadFailed + e.message;
  }
}

// ---- one notice ----------------------------------------------------------

function fieldLabel(path) {
  const parts = path.split(".");
  const last = parts[parts.length - 1];
  const label = T.labels[last] || last;
  const user = path.match(/^users\[(\d+)\]/);
  if (user) return `${T.user} ${Number(user[1]) + 1}: ${label}`;
  const server = path.match(/servers\[(\d+)\]/);
  if (server) return `${T.server} ${Number(server[1]) + 1}: ${label}`;
  return label;
}

/** The notice's values as [path, value] in record order. */
function flatten(value, path, out) {
  if (value === null || value === undefined) return out;
  if (Array.isArray(value)) value.forEach((v, i) => flatten(v, `${path}[${i}]`, out));
  else if (typeof value === "object") {
    for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, out);
  } else out.push([path, String(value)]);
  return out;
}

async function openNotice(id) {
  state.current = id;
  for (const r of document.querySelectorAll(".notice-row")) {
    r.classList.toggle("selected", r.dataset.id === String(id));
  }
  const reveal = state.revealed.has(id);
  const [record, boxes] = await Promise.all([
    getJson(`/api/notices/${id}${reveal ? "?reveal=1" : ""}`),
    getJson(`/api/notices/${id}/boxes`),
  ]);
  if (state.current !== id) return;
  $("#detail").hidden = false;
  $("#detail").dataset.id = String(id);
  $("#detail-title").textContent = record.source;
  const rb = $("#reveal");
  rb.textContent = reveal ? T.hide : T.reveal;
  rb.hidden = !record.notice;
  rb.setAttribute("aria-pressed", reveal ? "true" : "false");

  const err = $("#detail-error");
  err.hidden = !record.error;
  if (record.error) {
    err.textContent = `${T.kinds[record.error.kind] || record.error.kind}: ${record.error.message}`;
  }

  const findings = $("#findings");
  findings.replaceChildren();
  for (const f of record.findings) {
    const li = el("li", { class: "finding " + f.severity, "data-field": f.field || "", tabIndex: 0 },
      el("span", { class: "sev" }, T.severity[f.severity] || f.severity),
      el("code", {}, f.code),
      f.field ? el("span", { class: "ffield" }, fieldLabel(f.field)) : "",
      el("span", { class: "msg" }, f.message));
    if (f.field) li.addEventListener("click", () => highlight(f.field));
    findings.append(li);
  }
  if (!record.findings.length) findings.append(el("li", { class: "none" }, T.noFindings));

  const fields = $("#fields tbody");
  fields.replaceChildren();
  for (const [path, value] of flatten(record.notice, "", [])) {
    const tr = el("tr", { "data-field": path },
      el("th", {}, fieldLabel(path)),
      el("td", { class: value === "[REDACTED]" ? "redacted" : "" }, value));
    tr.addEventListener("click", () => highlight(path));
    fields.append(tr);
  }

  const pages = $("#pages");
  pages.replaceChildren();
  for (const p of boxes.pages) {
    const img = el("img", {
      src: `/api/notices/${id}/pages/${p.page}.png?scale=2${reveal ? "&reveal=1" : ""}`,
      alt: `${T.page} ${p.page}`,
    });
    const wrap = el("div", { class: "page-wrap", "data-page": String(p.page) }, img);
    for (const b of boxes.boxes.filter((b) => b.page === p.page && b.field)) {
      const [l, t, r, bt] = b.rect;
      const box = el("div", { class: "box" + (b.secret ? " secret" : ""), "data-field": b.field, title: fieldLabel(b.field) });
      box.style.left = `${(l / p.width) * 100}%`;
      box.style.top = `${(t / p.height) * 100}%`;
      box.style.width = `${((r - l) / p.width) * 100}%`;
      box.style.height = `${((bt - t) / p.height) * 100}%`;
      box.addEventListener("click", () => highlight(b.field));
      wrap.append(box);
    }
    pages.append(el("figure", {}, wrap, el("figcaption", {}, `${T.page} ${p.page}`)));
  }
}

function highlight(field) {
  for (const e of document.querySelectorAll(".highlight")) e.classList.remove("highlight");
  const sel = `[data-field="${CSS.escape(field)}"]`;
  for (const e of document.querySelectorAll(`#fields tr${sel}, #findings li${sel}`)) {
    e.classList.add("highlight");
  }
  const box = document.querySelector(`.box${sel}`);
  $("#upload-status").textContent = box ? "" : `${fieldLabel(field)}: ${T.noBox}`;
  if (box) {
    box.classList.add("highlight");
    box.scrollIntoView({ block: "center", behavior: "instant" });
  }
}

// ---- wiring --------------------------------------------------------------

function wire() {
  translatePage();
  const drop = $("#drop");
  const input = $("#file-input");
  drop.addEventListener("click", () => input.click());
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") input.click(); });
  input.addEventListener("change", () => { upload(input.files); input.value = ""; });
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    upload(e.dataTransfer.files);
  });
  $("#needs-filter").addEventListener("change", loadList);
  $("#reveal").addEventListener("click", () => {
    const id = state.current;
    if (id === null) return;
    if (state.revealed.has(id)) state.revealed.delete(id); else state.revealed.add(id);
    openNotice(id);
  });
  loadList();
}

wire();
