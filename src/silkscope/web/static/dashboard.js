/* silkscope dashboard — plain JavaScript, no build step, no network beyond this server.
 * All visible text comes from the web.* catalogue entries served by /api/i18n. */
"use strict";

const S = {
  lang: "en",
  texts: {},
  meta: null,
  year: null,
  node: null,
  tab: "ranking",
  weights: {}, // node -> relative weight (1 = as built), only the ones moved
  ranking: [],
  rankingSort: { key: "rank", dir: 1 },
  search: "",
  unit: null,
  a: null,
  b: null,
  requestSeq: 0,
  trade: null,
  tiers: null,
  topic: null, // the open topic's id
  topicSeq: 0,
  topicSorts: {}, // "topic/table" -> sort state
};

const $ = (sel) => document.querySelector(sel);

function t(key, fields) {
  let text = Object.prototype.hasOwnProperty.call(S.texts, key) ? S.texts[key] : key;
  if (fields) {
    for (const [k, v] of Object.entries(fields)) text = text.split("{" + k + "}").join(String(v));
  }
  return text;
}

function fmt(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return Number(value).toFixed(digits);
}

function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children || []) node.append(child);
  return node;
}

/* text with `backquoted` spans (commands, files, sheet and column ids) set in <code>, as the
 * report's `code` filter does; returns the nodes to append */
function codeText(text) {
  return String(text ?? "")
    .split("`")
    .map((part, i) => (i % 2 ? el("code", { text: part }) : document.createTextNode(part)));
}

function status(message, isError) {
  const box = $("#status");
  box.textContent = message || "";
  box.classList.toggle("error", Boolean(isError));
}

async function api(path, options) {
  const response = await fetch(path, options);
  let body = null;
  try {
    body = await response.json();
  } catch (err) {
    body = null;
  }
  if (!response.ok) {
    throw new Error((body && body.error) || response.status + " " + response.statusText);
  }
  return body;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, v);
  return q.toString();
}

function groupName(group) {
  if (!group) return "";
  const key = "web.group." + group;
  return Object.prototype.hasOwnProperty.call(S.texts, key) ? S.texts[key] : group;
}

function unitName(id) {
  const unit = S.meta.units.find((u) => u.id === id);
  return unit ? unit.name[S.lang] || id : id;
}

function nodeName(id) {
  const found = flatNodes().find((n) => n.id === id);
  return found ? found.name[S.lang] || id : id;
}

function flatNodes() {
  if (S._flat) return S._flat;
  const out = [];
  const walk = (n, parent) => {
    out.push({ ...n, parent });
    n.children.forEach((c) => walk(c, n.id));
  };
  walk(S.meta.framework, null);
  S._flat = out;
  return out;
}

/* ---- charts: Plotly served by this app; PNG/SVG and CSV for every chart ---------------------------- */
function chartBox(boxId, title, csvHref, fileStem) {
  const box = document.getElementById(boxId);
  box.replaceChildren();
  const chartId = boxId.replace(/^box-/, "");
  const chart = el("div", { id: chartId, class: "chart" });
  const head = el("div", { class: "chart-head" }, [el("h3", {}, codeText(title))]);
  for (const format of ["png", "svg"]) {
    head.append(
      el("button", {
        type: "button",
        class: "button",
        "data-format": format,
        id: chartId + "-" + format,
        text: t("web.download." + format),
        onclick: () => Plotly.downloadImage(chart, { format, filename: fileStem, width: 1100, height: 650 }),
      }),
    );
  }
  if (csvHref) {
    head.append(el("a", { class: "button", href: csvHref, download: "", id: chartId + "-csv", text: t("web.download.csv") }));
  }
  box.append(head, chart);
  return chart;
}

function plotConfig(fileStem) {
  return {
    displaylogo: false,
    responsive: true,
    toImageButtonOptions: { format: "png", filename: fileStem, scale: 2 },
  };
}

/* ---- sortable tables -------------------------------------------------------------------------------- */
function renderTable(table, columns, rows, sortState, onSort) {
  const headRow = table.querySelector("thead tr");
  headRow.replaceChildren();
  for (const col of columns) {
    const th = el("th", { "data-key": col.key, text: col.label, class: col.numeric ? "num" : null });
    if (sortState && sortState.key === col.key) th.classList.add(sortState.dir > 0 ? "sorted-asc" : "sorted-desc");
    th.addEventListener("click", () => {
      if (!sortState) return;
      if (sortState.key === col.key) sortState.dir = -sortState.dir;
      else {
        sortState.key = col.key;
        sortState.dir = col.numeric && col.key !== "rank" ? -1 : 1;
      }
      onSort();
    });
    headRow.append(th);
  }
  const body = table.querySelector("tbody");
  body.replaceChildren();
  for (const row of rows) {
    const tr = el("tr", row._attrs || {});
    for (const col of columns) {
      const value = row[col.key];
      const td = el("td", { class: col.numeric ? "num" : null });
      if (col.render) td.append(col.render(row));
      else td.textContent = col.numeric ? fmt(value, col.digits === undefined ? 2 : col.digits) : value ?? "";
      tr.append(td);
    }
    body.append(tr);
  }
}

function sortRows(rows, sortState) {
  const { key, dir } = sortState;
  return [...rows].sort((x, y) => {
    const a = x[key];
    const b = y[key];
    if (a === null || a === undefined) return 1;
    if (b === null || b === undefined) return -1;
    if (typeof a === "number" && typeof b === "number") return (a - b) * dir;
    return String(a).localeCompare(String(b), S.lang === "zh" ? "zh-Hans-CN" : "en") * dir;
  });
}

/* ---- static text ------------------------------------------------------------------------------------- */
function applyTexts() {
  document.documentElement.lang = S.lang === "zh" ? "zh-CN" : "en";
  document.title = t("web.title");
  document.querySelectorAll("[data-i18n]").forEach((node) => {
    node.textContent = t(node.getAttribute("data-i18n"));
  });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((node) => {
    node.setAttribute("placeholder", t(node.getAttribute("data-i18n-placeholder")));
  });
  const banner = $("#demo-banner");
  if (S.meta.demo) {
    banner.hidden = false;
    banner.textContent = S.meta.demo_label[S.lang] || t("web.demo_label");
  } else {
    banner.hidden = true;
  }
  // `backquoted` spans of the footer (the API path) are set in <code>, as in the report
  const footer = (S.meta.demo ? S.meta.demo_label[S.lang] + " · " : t("web.workspace_label") + " · ") +
    t("web.footer", { version: S.meta.version });
  $("#footer").replaceChildren(...codeText(footer));
}

function fillSelect(select, options, value) {
  select.replaceChildren();
  for (const [val, label] of options) select.append(el("option", { value: val, text: label }));
  if (value !== null && value !== undefined) select.value = value;
}

function fillControls() {
  fillSelect($("#year-select"), S.meta.years.map((y) => [y, y]), S.year);
  const indent = { index: "", pillar: "", dimension: "\u00a0\u00a0", indicator: "\u00a0\u00a0\u00a0\u00a0" };
  fillSelect(
    $("#node-select"),
    flatNodes().map((n) => [n.id, indent[n.level] + (n.name[S.lang] || n.id)]),
    S.node,
  );
  const units = S.meta.units
    .map((u) => [u.id, u.name[S.lang] || u.id])
    .sort((x, y) => x[1].localeCompare(y[1], S.lang === "zh" ? "zh-Hans-CN" : "en"));
  fillSelect($("#profile-unit"), units, S.unit);
  fillSelect($("#compare-a"), units, S.a);
  fillSelect($("#compare-b"), units, S.b);
  buildSliders();
}

/* ---- weights ------------------------------------------------------------------------------------------ */
function buildSliders() {
  const box = $("#weight-sliders");
  box.replaceChildren();
  const root = S.meta.framework;
  for (const pillar of root.children) {
    box.append(slider(pillar, "pillar"));
    for (const dim of pillar.children) {
      if (dim.children.length) box.append(slider(dim, "dimension"));
    }
  }
  updateWeightState(null);
}

function slider(node, level) {
  const value = S.weights[node.id] ?? 1;
  const id = "w-" + node.id;
  const out = el("output", { for: id, text: fmt(value, 1) });
  const input = el("input", {
    type: "range",
    id,
    min: "0",
    max: "3",
    step: "0.1",
    value: String(value),
    "data-node": node.id,
  });
  input.addEventListener("input", () => {
    out.textContent = fmt(Number(input.value), 1);
    setWeight(node.id, Number(input.value), 150);
  });
  input.addEventListener("change", () => {
    out.textContent = fmt(Number(input.value), 1);
    setWeight(node.id, Number(input.value), 0);
  });
  return el("div", { class: "slider " + level }, [el("label", { for: id, text: node.name[S.lang] || node.id }), input, out]);
}

let weightTimer = null;
function setWeight(nodeId, value, delay) {
  if (Math.abs(value - 1) < 1e-9) delete S.weights[nodeId];
  else S.weights[nodeId] = value;
  clearTimeout(weightTimer);
  weightTimer = setTimeout(() => loadRanking(), delay);
}

function weightsParam() {
  return Object.entries(S.weights)
    .map(([k, v]) => k + ":" + v)
    .join(",");
}

function updateWeightState(elapsed) {
  const custom = Object.keys(S.weights).length > 0;
  const parts = [];
  if (custom) parts.push(t("web.weights.custom"));
  if (custom && elapsed !== null && elapsed !== undefined) parts.push(t("web.weights.elapsed", { ms: fmt(elapsed, 1) }));
  $("#weights-state").textContent = parts.join(" · ");
}

/* ---- ranking ------------------------------------------------------------------------------------------ */
async function loadRanking() {
  const seq = ++S.requestSeq;
  const custom = Object.keys(S.weights).length > 0;
  let data;
  try {
    if (custom) {
      data = await api("/api/index", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ weights: S.weights, year: S.year, node: S.node, lang: S.lang }),
      });
    } else {
      data = await api("/api/ranking?" + query({ year: S.year, lang: S.lang, node: S.node }));
    }
  } catch (err) {
    status(t("web.error", { message: err.message }), true);
    return;
  }
  if (seq !== S.requestSeq) return; // a newer request is on its way
  status("");
  S.ranking = data.rows;
  S.rankingCustom = custom;
  updateWeightState(data.elapsed_ms);
  renderRanking();
}

function rankingColumns() {
  const cols = [
    { key: "rank", label: t("web.col.rank"), numeric: true, digits: 0 },
    {
      key: "name",
      label: t("web.col.unit"),
      render: (row) =>
        el("a", { class: "unit-link", text: row.name, onclick: () => openProfile(row.unit_id) }),
    },
    { key: "group_label", label: t("web.col.group") },
    { key: "score", label: t("web.col.score"), numeric: true },
  ];
  for (const pillar of S.meta.pillars) cols.push({ key: pillar, label: nodeName(pillar), numeric: true });
  if (S.rankingCustom) {
    cols.push({
      key: "rank_change",
      label: t("web.col.change"),
      numeric: true,
      render: (row) => {
        const v = row.rank_change;
        const text = v > 0 ? "▲" + v : v < 0 ? "▼" + -v : "–";
        return el("span", { class: v > 0 ? "up" : v < 0 ? "down" : "", text });
      },
    });
  }
  return cols;
}

function renderRanking() {
  const needle = S.search.trim().toLowerCase();
  const rows = S.ranking
    .map((r) => ({ ...r, group_label: groupName(r.group), _attrs: { "data-unit": r.unit_id, "data-rank": r.rank } }))
    .filter((r) => {
      if (!needle) return true;
      const other = S.meta.units.find((u) => u.id === r.unit_id);
      const names = other ? Object.values(other.name).join(" ") : "";
      return (r.name + " " + r.unit_id + " " + names + " " + r.group_label).toLowerCase().includes(needle);
    });
  renderTable($("#ranking-table"), rankingColumns(), sortRows(rows, S.rankingSort), S.rankingSort, renderRanking);
  $("#ranking-count").textContent = t("web.rows_shown", { shown: rows.length, total: S.ranking.length });
  const params = { year: S.year, lang: S.lang, node: S.node, weights: weightsParam() };
  $("#ranking-csv").href = "/api/download/ranking.csv?" + query(params);
  $("#ranking-xlsx").href = "/api/download/ranking.xlsx?" + query(params);
  drawRankingChart();
}

function drawRankingChart() {
  const stem = "ranking_" + S.node + "_" + S.year;
  const chart = chartBox(
    "box-ranking-chart",
    t("web.chart.ranking") + " — " + nodeName(S.node) + ", " + S.year,
    "/api/download/ranking.csv?" + query({ year: S.year, lang: S.lang, node: S.node, weights: weightsParam() }),
    stem,
  );
  const rows = [...S.ranking].filter((r) => r.score !== null).sort((a, b) => a.score - b.score);
  const groups = [...new Set(rows.map((r) => r.group || ""))];
  const traces = groups.map((g) => {
    const part = rows.filter((r) => (r.group || "") === g);
    return {
      type: "bar",
      orientation: "h",
      name: groupName(g) || "–",
      y: part.map((r) => r.name),
      x: part.map((r) => r.score),
      hovertemplate: "%{y}: %{x:.2f}<extra>" + (groupName(g) || "") + "</extra>",
    };
  });
  Plotly.react(
    chart,
    traces,
    {
      height: Math.max(420, 18 * rows.length + 80),
      margin: { l: 130, r: 20, t: 10, b: 30 },
      yaxis: { categoryorder: "array", categoryarray: rows.map((r) => r.name) },
      barmode: "overlay",
      legend: { orientation: "h" },
    },
    plotConfig(stem),
  );
}

/* ---- profile ------------------------------------------------------------------------------------------ */
function openProfile(unitId) {
  S.unit = unitId;
  $("#profile-unit").value = unitId;
  showTab("profile");
}

async function loadProfile() {
  if (!S.unit) S.unit = S.ranking.length ? S.ranking[0].unit_id : S.meta.units[0].id;
  $("#profile-unit").value = S.unit;
  let data;
  let avg;
  try {
    [data, avg] = await Promise.all([
      api("/api/profile/" + encodeURIComponent(S.unit) + "?" + query({ year: S.year, lang: S.lang, weights: weightsParam() })),
      api("/api/ranking?" + query({ year: S.year, lang: S.lang })),
    ]);
  } catch (err) {
    status(t("web.error", { message: err.message }), true);
    return;
  }
  status("");
  $("#profile-summary").textContent = t("web.profile.summary", {
    name: data.name,
    rank: data.index.rank ?? "–",
    n: data.n_units,
    year: data.year,
    score: fmt(data.index.score),
  });
  $("#profile-csv").href = "/api/download/profile.csv?" + query({ unit: S.unit, year: S.year, lang: S.lang });

  const pillarNames = data.pillars.map((p) => p.name);
  const mean = (key) => {
    const v = avg.rows.map((r) => r[key]).filter((x) => x !== null);
    return v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  };
  const stem = "profile_" + S.unit + "_" + S.year;
  const radar = chartBox(
    "box-profile-radar",
    t("web.profile.radar"),
    "/api/download/profile.csv?" + query({ unit: S.unit, year: S.year, lang: S.lang }),
    stem + "_radar",
  );
  const lo = S.meta.choices.normalise === "minmax" ? S.meta.choices.minmax_range[0] : undefined;
  const hi = S.meta.choices.normalise === "minmax" ? S.meta.choices.minmax_range[1] : undefined;
  Plotly.react(
    radar,
    [
      {
        type: "scatterpolar",
        r: [...data.pillars.map((p) => p.score), data.pillars[0].score],
        theta: [...pillarNames, pillarNames[0]],
        fill: "toself",
        name: data.name,
      },
      {
        type: "scatterpolar",
        r: [...S.meta.pillars.map(mean), mean(S.meta.pillars[0])],
        theta: [...pillarNames, pillarNames[0]],
        name: t("web.profile.average"),
        line: { dash: "dot" },
      },
    ],
    {
      height: 380,
      margin: { l: 60, r: 60, t: 30, b: 30 },
      polar: { radialaxis: { range: lo !== undefined ? [lo, hi] : undefined } },
      legend: { orientation: "h" },
    },
    plotConfig(stem + "_radar"),
  );

  const trend = chartBox(
    "box-profile-trend",
    t("web.profile.trend"),
    "/api/download/trend.csv?" + query({ unit: S.unit, lang: S.lang }),
    "trend_" + S.unit,
  );
  const years = data.trend.map((p) => p.year);
  const traces = [
    { type: "scatter", mode: "lines+markers", name: data.index.name, x: years, y: data.trend.map((p) => p.score), line: { width: 3 } },
  ];
  for (const p of data.pillars) {
    traces.push({ type: "scatter", mode: "lines+markers", name: p.name, x: years, y: data.trend.map((q) => q[p.node]) });
  }
  Plotly.react(
    trend,
    traces,
    { height: 380, margin: { l: 50, r: 20, t: 30, b: 40 }, xaxis: { dtick: 1 }, legend: { orientation: "h" } },
    plotConfig("trend_" + S.unit),
  );

  const byId = Object.fromEntries(data.indicators.map((i) => [i.node, i]));
  const list = (ids, target) => {
    const ul = $(target);
    ul.replaceChildren(...ids.map((id) => el("li", { text: byId[id].name + " (" + fmt(byId[id].score) + ")" })));
  };
  list(data.strengths, "#profile-strengths");
  list(data.weaknesses, "#profile-weaknesses");
  const obstacles = $("#profile-obstacles");
  const items = (data.obstacles && data.obstacles.items) || [];
  obstacles.replaceChildren(
    ...(items.length
      ? items.map((o) => el("li", { text: o.name + " (" + fmt(100 * o.obstacle, 1) + "%)" }))
      : [el("li", { text: t("web.profile.no_obstacles") })]),
  );

  S.profileRows = data.indicators.map((i) => ({
    ...i,
    pillar_name: nodeName(i.pillar),
    direction_label: t(i.direction > 0 ? "web.direction.up" : "web.direction.down"),
    _attrs: { "data-node": i.node, "data-flag": i.flag || "" },
  }));
  S.profileSort = S.profileSort || { key: "score", dir: -1 };
  renderProfileTable();
}

function renderProfileTable() {
  const cols = [
    { key: "name", label: t("web.col.indicator") },
    { key: "pillar_name", label: t("web.col.pillar") },
    { key: "value", label: t("web.col.value"), numeric: true },
    { key: "unit_label", label: t("web.col.measure") },
    { key: "direction_label", label: t("web.col.direction") },
    { key: "score", label: t("web.col.normalised"), numeric: true },
    { key: "rank", label: t("web.col.rank"), numeric: true, digits: 0 },
    {
      key: "flag",
      label: "",
      render: (row) =>
        row.flag ? el("span", { class: "badge " + row.flag, text: t("web.profile." + row.flag) }) : document.createTextNode(""),
    },
  ];
  renderTable($("#profile-table"), cols, sortRows(S.profileRows, S.profileSort), S.profileSort, renderProfileTable);
}

/* ---- compare ------------------------------------------------------------------------------------------ */
async function loadCompare() {
  const units = S.ranking.length ? S.ranking.map((r) => r.unit_id) : S.meta.units.map((u) => u.id);
  S.a = S.a || units[0];
  S.b = S.b || units[1];
  $("#compare-a").value = S.a;
  $("#compare-b").value = S.b;
  let data;
  try {
    data = await api("/api/compare?" + query({ a: S.a, b: S.b, year: S.year, lang: S.lang, weights: weightsParam() }));
  } catch (err) {
    status(t("web.error", { message: err.message }), true);
    return;
  }
  status("");
  const csv = "/api/download/compare.csv?" + query({ a: S.a, b: S.b, year: S.year, lang: S.lang });
  const stem = "compare_" + S.a + "_" + S.b + "_" + S.year;
  const chart = chartBox("box-compare-chart", t("web.compare.chart") + ", " + S.year, csv, stem);
  const top = data.rows.filter((r) => r.level === "index" || r.level === "pillar" || r.level === "dimension");
  Plotly.react(
    chart,
    [
      { type: "bar", name: data.a.name, x: top.map((r) => r.name), y: top.map((r) => r.a_score) },
      { type: "bar", name: data.b.name, x: top.map((r) => r.name), y: top.map((r) => r.b_score) },
    ],
    { height: 400, barmode: "group", margin: { l: 50, r: 20, t: 10, b: 110 }, legend: { orientation: "h", y: 1.1 } },
    plotConfig(stem),
  );
  S.compareRows = data.rows.map((r) => ({ ...r, _attrs: { "data-node": r.node } }));
  S.compareSort = S.compareSort || { key: "_order", dir: 1 };
  S.compareRows.forEach((r, k) => (r._order = k));
  S.compareNames = [data.a.name, data.b.name];
  renderCompareTable();
}

function renderCompareTable() {
  const [a, b] = S.compareNames;
  const cols = [
    { key: "name", label: t("web.col.node") },
    { key: "a_score", label: a + " · " + t("web.col.score"), numeric: true },
    { key: "a_rank", label: a + " · " + t("web.col.rank"), numeric: true, digits: 0 },
    { key: "b_score", label: b + " · " + t("web.col.score"), numeric: true },
    { key: "b_rank", label: b + " · " + t("web.col.rank"), numeric: true, digits: 0 },
    {
      key: "difference",
      label: t("web.col.difference"),
      numeric: true,
      render: (row) => el("span", { class: row.difference > 0 ? "up" : row.difference < 0 ? "down" : "", text: fmt(row.difference) }),
    },
  ];
  renderTable($("#compare-table"), cols, sortRows(S.compareRows, S.compareSort), S.compareSort, renderCompareTable);
}

/* ---- trade and partners (synthetic demo flows) ---------------------------------------------------------- */
async function loadTrade() {
  const reporter = ($("#trade-reporter").value || "CHN").toUpperCase();
  const select = $("#trade-indicator");
  const indicator = select.value || "rca";
  status(t("web.loading"));
  let data;
  try {
    data = await api("/api/trade/indicators?" + query({ reporter, indicator, lang: S.lang }));
  } catch (err) {
    status(t("web.error", { message: err.message }), true);
    return;
  }
  status("");
  if (select.options.length === 0 || select.dataset.lang !== S.lang) {
    fillSelect(select, data.indicators.map((i) => [i, data.indicator_names[i] || i]), indicator);
    select.dataset.lang = S.lang;
  }
  let rows = data.rows;
  const world = rows.filter((r) => r.partner === "WLD");
  if (world.length) rows = world;
  const key = (r) => r.product || r.partner_name || r.partner || r.indicator_name;
  const series = [...new Set(rows.map(key))].slice(0, 12);
  const stem = "trade_" + indicator + "_" + reporter;
  const csv = "/api/download/trade_indicators.csv?" + query({ reporter, indicator });
  const chart = chartBox("box-trade-chart", t("web.trade.chart", { indicator: data.indicator_names[indicator] || indicator, reporter: data.reporter_name }) + labelSuffix(data), csv, stem);
  Plotly.react(
    chart,
    series.map((s) => {
      const part = rows.filter((r) => key(r) === s);
      return { type: "scatter", mode: "lines+markers", name: s, x: part.map((r) => r.year), y: part.map((r) => r.value) };
    }),
    { height: 400, margin: { l: 50, r: 20, t: 10, b: 40 }, xaxis: { dtick: 1 } },
    plotConfig(stem),
  );
  const cols = [
    { key: "indicator_name", label: t("web.trade.indicator") },
    { key: "partner_name", label: t("web.col.partner") },
    { key: "product", label: t("web.col.product") },
    { key: "year", label: t("web.year") },
    { key: "value", label: t("web.col.value"), numeric: true, digits: 4 },
  ];
  S.tradeSort = S.tradeSort || { key: "year", dir: 1 };
  const draw = () => renderTable($("#trade-table"), cols, sortRows(data.rows, S.tradeSort).slice(0, 300), S.tradeSort, draw);
  draw();
}

async function loadPartners() {
  status(t("web.loading"));
  let data;
  try {
    data = S.tiers && S.tiers.lang === S.lang ? S.tiers : await api("/api/partners/tiers?" + query({ lang: S.lang }));
    data.lang = S.lang;
  } catch (err) {
    status(t("web.error", { message: err.message }), true);
    return;
  }
  S.tiers = data;
  status("");
  const rows = [...data.rows].sort((a, b) => b.score - a.score);
  const tiers = [...new Set(rows.map((r) => r.tier))].sort();
  const chart = chartBox(
    "box-partners-chart",
    t("web.partners.chart") + labelSuffix(data),
    "/api/download/partner_tiers.csv",
    "partner_tiers",
  );
  Plotly.react(
    chart,
    tiers.map((tier) => {
      const part = rows.filter((r) => r.tier === tier);
      return { type: "bar", name: t("web.col.tier") + " " + tier, x: part.map((r) => r.country_name), y: part.map((r) => r.score) };
    }),
    {
      height: 400,
      margin: { l: 50, r: 20, t: 10, b: 60 },
      xaxis: { categoryorder: "array", categoryarray: rows.map((r) => r.country_name) },
      legend: { orientation: "h", y: 1.1 },
    },
    plotConfig("partner_tiers"),
  );
  const cols = [
    { key: "country_name", label: t("web.col.country") },
    { key: "country", label: t("web.zh.col.iso3") },
    { key: "tier", label: t("web.col.tier"), numeric: true, digits: 0 },
    { key: "score", label: t("web.col.score"), numeric: true },
    { key: "tier_probability", label: t("web.col.probability"), numeric: true },
    { key: "driver_name", label: t("web.col.driver") },
    { key: "modes_text", label: t("web.col.modes") },
  ];
  S.tiersSort = S.tiersSort || { key: "score", dir: -1 };
  const draw = () => renderTable($("#partners-table"), cols, sortRows(rows, S.tiersSort), S.tiersSort, draw);
  draw();
}

/* ---- coverage: the index's coverage per unit and year, and the unit-years left unscored ---------------- */
async function loadCoverage() {
  status(t("web.loading"));
  let data;
  try {
    data = await api("/api/coverage?" + query({ lang: S.lang }));
  } catch (err) {
    status(t("web.error", { message: err.message }), true);
    return;
  }
  status("");
  const root = data.nodes[0].id;
  $("#coverage-intro").textContent = t("web.coverage.intro", { threshold: fmt(data.min_coverage, 3), year: data.headline_year });
  const years = [...new Set(data.rows.map((r) => r.year))].sort((a, b) => a - b);
  const units = [...new Set(data.rows.map((r) => r.unit_id))];
  const value = {};
  for (const r of data.rows) value[r.unit_id + "|" + r.year] = r[root];
  const chart = chartBox("box-coverage-chart", t("web.coverage.chart"), "/api/download/coverage.csv", "coverage");
  Plotly.react(
    chart,
    [
      {
        type: "heatmap",
        x: years.map(String),
        y: units.map(unitName),
        z: units.map((u) => years.map((y) => value[u + "|" + y] ?? null)),
        zmin: 0,
        zmax: 1,
        colorscale: "Blues",
      },
    ],
    { height: Math.max(400, 18 * units.length), margin: { l: 120, r: 20, t: 10, b: 40 }, yaxis: { autorange: "reversed", dtick: 1 } },
    plotConfig("coverage"),
  );
  $("#coverage-count").textContent = t("web.coverage.count", { n: data.excluded.length });
  const cols = [
    { key: "name", label: t("web.col.unit") },
    { key: "year", label: t("web.year"), numeric: true, digits: 0 },
    { key: "coverage", label: t("web.tab.coverage"), numeric: true, digits: 3 },
    { key: "below", label: t("web.coverage.below") },
  ];
  S.coverageSort = S.coverageSort || { key: "year", dir: 1 };
  const draw = () => renderTable($("#coverage-table"), cols, sortRows(data.excluded, S.coverageSort).slice(0, 500), S.coverageSort, draw);
  draw();
}

/* ---- topics: the report's topic sections, rendered generically from /api/topics/{id} ------------------ */
const TOPIC_MAX_ROWS = 500;

async function loadTopics() {
  status(t("web.loading"));
  let list;
  try {
    list = await api("/api/topics?" + query({ lang: S.lang }));
  } catch (err) {
    status(t("web.error", { message: err.message }), true);
    return;
  }
  S.topicList = list;
  if (!list.topics.some((x) => x.id === S.topic)) S.topic = list.topics.length ? list.topics[0].id : null;
  renderTopicList();
  renderTopicMissing(list.not_in_study);
  if (S.topic) {
    await loadTopic(S.topic);
  } else {
    status("");
    $("#topic-body").replaceChildren(el("p", { class: "muted", text: t("web.topics.none") }));
  }
}

function renderTopicList() {
  const list = S.topicList;
  const items = list.topics.map((topic) =>
    el(
      "button",
      {
        type: "button",
        class: "topic" + (topic.id === S.topic ? " active" : ""),
        "data-topic": topic.id,
        "data-demo": topic.demo ? "1" : "0",
        onclick: () => {
          S.topic = topic.id;
          renderTopicList();
          loadTopic(topic.id);
        },
      },
      [el("span", { text: topic.title }), ...(topic.demo ? [el("span", { class: "badge demo", text: t("web.topics.demo") })] : [])],
    ),
  );
  const failed = list.failed.map((message) => el("p", { class: "topic-failed", text: t("web.topics.failed", { message }) }));
  $("#topic-list").replaceChildren(...items, ...failed);
}

function renderTopicMissing(missing) {
  const box = $("#topic-missing");
  box.hidden = !missing.lines.length;
  box.replaceChildren(
    el("h3", { text: missing.title }),
    el("p", { class: "hint", text: missing.intro }),
    el("ul", {}, missing.lines.map((line) => el("li", {}, codeText(line)))),
  );
}

async function loadTopic(id) {
  const seq = ++S.topicSeq;
  status(t("web.topics.building"));
  let data;
  try {
    data = await api("/api/topics/" + encodeURIComponent(id) + "?" + query({ lang: S.lang }));
    if (data.figures.some((f) => f.geo)) await loadGeoAssets();
  } catch (err) {
    if (seq !== S.topicSeq) return;
    status(t("web.error", { message: err.message }), true);
    $("#topic-body").replaceChildren(el("p", { class: "topic-failed", text: t("web.topics.failed", { message: err.message }) }));
    return;
  }
  if (seq !== S.topicSeq || id !== S.topic) return; // another topic or language was asked for since
  status("");
  renderTopic(data);
}

/* the world topojson for maps, served by this app (plotly.js would otherwise fetch it off this server) */
function loadGeoAssets() {
  const ready = window.PlotlyGeoAssets && window.PlotlyGeoAssets.topojson && window.PlotlyGeoAssets.topojson.world_110m;
  if (ready) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = el("script", { src: "/static/plotly-geo-assets.js" });
    script.addEventListener("load", () => resolve());
    script.addEventListener("error", () => reject(new Error("/static/plotly-geo-assets.js")));
    document.head.append(script);
  });
}

function renderTopic(data) {
  const body = $("#topic-body");
  const title = el("h2", { class: "topic-title" }, [el("span", { text: data.title })]);
  if (data.demo) title.append(el("span", { class: "badge demo", text: t("web.topics.demo") }));
  body.replaceChildren(title, ...data.paragraphs.map((p) => el("p", {}, codeText(p))));
  if (data.findings.length) body.append(el("ul", { class: "findings" }, data.findings.map((f) => el("li", {}, codeText(f)))));
  data.figures.forEach((figure, k) => {
    const boxId = "box-topic-" + data.id + "-" + k;
    body.append(el("div", { class: "chart-box topic-figure", id: boxId }));
    const stem = data.id + "_" + k;
    const chart = chartBox(boxId, figure.caption, null, stem);
    const layout = { ...figure.figure.layout, autosize: true };
    delete layout.width; // the box's width, on a phone too
    Plotly.react(chart, figure.figure.data || [], layout, plotConfig(stem));
  });
  data.tables.forEach((table) => body.append(topicTable(data.id, table)));
}

function topicNumber(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value !== "number") return String(value);
  if (Number.isInteger(value)) return String(value);
  return value.toLocaleString("en", { maximumFractionDigits: 4, useGrouping: Math.abs(value) >= 1e4 });
}

function topicTable(topicId, table) {
  const box = el("div", { class: "topic-table", "data-sheet": table.sheet, "data-rows": String(table.n_rows) });
  const head = el("div", { class: "row" }, [
    el("h3", {}, codeText(table.title)),
    el("a", { class: "button", href: table.download.csv, download: "", "data-format": "csv", text: t("web.download.csv") }),
    el("a", { class: "button", href: table.download.xlsx, download: "", "data-format": "xlsx", text: t("web.download.xlsx") }),
  ]);
  box.append(head);
  if (!table.shown) {
    box.append(el("p", { class: "muted", text: t("web.topics.not_shown") }));
    return box;
  }
  const shown = Math.min(table.n_rows, TOPIC_MAX_ROWS);
  box.append(
    el("p", {
      class: "muted",
      text: shown < table.n_rows ? t("web.topics.rows_capped", { shown, n: table.n_rows }) : t("web.topics.rows", { n: table.n_rows }),
    }),
  );
  const element = el("table", { class: "data sortable" }, [el("thead", {}, [el("tr")]), el("tbody")]);
  box.append(el("div", { class: "table-wrap" }, [element]));
  const key = topicId + "/" + table.index;
  const sortState = S.topicSorts[key] || (S.topicSorts[key] = { key: "_order", dir: 1 });
  const rows = table.records.map((r, k) => ({ ...r, _order: k }));
  const columns = table.columns.map((c) => ({
    key: c.name,
    label: c.name,
    numeric: c.numeric,
    render: c.numeric ? (row) => document.createTextNode(topicNumber(row[c.name])) : null,
  }));
  const draw = () => renderTable(element, columns, sortRows(rows, sortState).slice(0, TOPIC_MAX_ROWS), sortState, draw);
  draw();
  return box;
}

/* ---- navigation --------------------------------------------------------------------------------------- */
function showTab(name) {
  S.tab = name;
  document.querySelectorAll(".tab").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  document.querySelectorAll(".page").forEach((p) => p.classList.toggle("active", p.id === "tab-" + name));
  const url = new URL(window.location.href);
  url.hash = name;
  history.replaceState(null, "", url);
  return renderTab();
}

function renderTab() {
  if (S.tab === "ranking") return loadRanking();
  if (S.tab === "profile") return loadProfile();
  if (S.tab === "compare") return loadCompare();
  if (S.tab === "trade") return loadTrade();
  if (S.tab === "partners") return loadPartners();
  if (S.tab === "coverage") return loadCoverage();
  if (S.tab === "topics") return loadTopics();
  return null;
}

async function setLanguage(lang) {
  const data = await api("/api/i18n?" + query({ lang }));
  S.lang = data.lang;
  S.texts = data.texts;
  try {
    localStorage.setItem("silkscope.lang", S.lang);
  } catch (err) {
    /* storage may be off */
  }
  $("#lang-select").value = S.lang;
  applyTexts();
  fillControls();
  if (S.tab !== "ranking") await loadRanking();
  await renderTab();
}

async function init() {
  const params = new URLSearchParams(window.location.search);
  let stored = null;
  try {
    stored = localStorage.getItem("silkscope.lang");
  } catch (err) {
    stored = null;
  }
  const wanted = params.get("lang") || stored || (navigator.language || "en").slice(0, 2);
  try {
    S.meta = await api("/api/meta");
  } catch (err) {
    status("Error: " + err.message, true);
    return;
  }
  S.year = S.meta.headline_year ?? S.meta.latest_year;
  S.node = S.meta.framework.id;
  const tab = window.location.hash.replace("#", "");
  if (["ranking", "profile", "compare", "trade", "partners", "coverage", "topics"].includes(tab)) S.tab = tab;

  $("#tabs").addEventListener("click", (ev) => {
    const button = ev.target.closest(".tab");
    if (button) showTab(button.dataset.tab);
  });
  $("#lang-select").addEventListener("change", (ev) => setLanguage(ev.target.value));
  $("#year-select").addEventListener("change", (ev) => {
    S.year = Number(ev.target.value);
    if (S.tab !== "ranking") loadRanking();
    renderTab();
  });
  $("#node-select").addEventListener("change", (ev) => {
    S.node = ev.target.value;
    loadRanking();
  });
  $("#ranking-search").addEventListener("input", (ev) => {
    S.search = ev.target.value;
    renderRanking();
  });
  $("#weights-reset").addEventListener("click", () => {
    S.weights = {};
    buildSliders();
    loadRanking();
  });
  $("#profile-unit").addEventListener("change", (ev) => {
    S.unit = ev.target.value;
    loadProfile();
  });
  $("#compare-a").addEventListener("change", (ev) => {
    S.a = ev.target.value;
    loadCompare();
  });
  $("#compare-b").addEventListener("change", (ev) => {
    S.b = ev.target.value;
    loadCompare();
  });
  $("#trade-reporter").addEventListener("change", () => loadTrade());
  $("#trade-indicator").addEventListener("change", () => loadTrade());

  document.querySelectorAll(".tab").forEach((b) => b.classList.toggle("active", b.dataset.tab === S.tab));
  document.querySelectorAll(".page").forEach((p) => p.classList.toggle("active", p.id === "tab-" + S.tab));
  await setLanguage(S.meta.languages.includes(wanted) ? wanted : "en");
  document.body.setAttribute("data-ready", "1");
}

init();

// " — demonstration data" after a chart title when the flows are the built-in demo
function labelSuffix(data) {
  return data.demo_label ? " — " + data.demo_label[S.lang] : "";
}
