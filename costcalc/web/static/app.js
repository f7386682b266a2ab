// The page: forms -> the JSON API -> text and charts. Figures shown as text are the API's exact strings.
import { barChart, lineChart, stepChart } from "/static/charts.js";

const $ = (selector, root = document) => root.querySelector(selector);

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.append(td);
}

function usd(text) {
  return text === null || text === undefined ? "—" : "$" + text;
}

// Form fields -> a JSON body: empty fields are left out (the CLI's defaults apply), checkboxes are booleans.
function body(form) {
  const out = {};
  for (const field of form.elements) {
    if (!field.name) continue;
    if (field.type === "checkbox") out[field.name] = field.checked;
    else if (field.value.trim() !== "") out[field.name] = field.value.trim();
  }
  return out;
}

async function call(section, path, init, show) {
  const error = $(".error", section), answer = $(".answer", section);
  error.hidden = true;
  let response, data;
  try {
    response = await fetch(path, init);
    data = await response.json();
  } catch (problem) {
    data = { error: `no answer from the server (${problem.message})` };
  }
  if (!response || !response.ok || data.error) {
    error.textContent = data.error || `the server answered ${response.status}`;
    error.hidden = false;
    answer.hidden = true;
    return;
  }
  show(data);
  answer.hidden = false;
  section.dataset.ready = "yes";  // for tests: the answer is drawn
}

function postJSON(payload) {
  return { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) };
}

// The break-even chart follows the CLI's --plot: no cache is per-query x n; a cache is creation + storage once,
// then the rest of its total spread over the queries.
function showEstimate(data) {
  const be = data.break_even ? data.break_even.queries : null;
  $("#breakeven-queries").textContent = be === null ? "never" : be.toLocaleString("en-US");
  $("#breakeven-unit").textContent = be === null ? "" : "queries";
  $("#breakeven-formula").textContent = data.break_even
    ? data.break_even.formula || data.break_even.reason || "" : data.explicit_cache_unavailable || "";
  const plain = data.no_cache, cache = data.explicit_cache;
  const rows = [["Total", "total"], ["Per query", "per_query"], ["Fresh input", "fresh_input"], ["Output", "output"]];
  const tbody = $("#estimate-table tbody");
  tbody.replaceChildren();
  for (const [label, key] of rows) {
    const tr = document.createElement("tr");
    cell(tr, label); cell(tr, usd(plain[key])); cell(tr, cache ? usd(cache[key]) : "—");
    tbody.append(tr);
  }
  const queries = data.workload.queries;
  const last = Math.max(queries, be ? 2 * be : 10, 10);
  const series = [{ name: "no cache", color: "#7f7f7f",
    points: [[0, 0], [last, parseFloat(plain.per_query) * last]] }];
  if (cache) {
    const fixed = parseFloat(cache.creation) + parseFloat(cache.storage);
    const perQuery = (parseFloat(cache.total) - fixed) / queries;
    series.push({ name: "explicit cache", color: "#1f77b4", points: [[0, fixed], [last, fixed + perQuery * last]] });
  }
  lineChart($("#breakeven-chart"), { series, xMax: last, xLabel: "queries", yLabel: "total cost (USD)",
    marker: be ? { x: be, label: `break-even: ${be.toLocaleString("en-US")} queries` } : null });
  const notes = $("#estimate-notes");
  notes.replaceChildren(...(data.notes || []).map((note) => Object.assign(document.createElement("li"),
    { textContent: note })));
}

function showRecommend(data) {
  $("#recommended-strategy").textContent = data.strategy;
  $("#recommend-reasons").replaceChildren(...data.reasons.map((reason) =>
    Object.assign(document.createElement("li"), { textContent: reason })));
  const bars = data.simulation.strategies.filter((row) => row.total !== null)
    .map((row) => ({ label: row.strategy, value: parseFloat(row.total), highlight: row.strategy === data.strategy }));
  barChart($("#strategy-chart"), { bars, yLabel: "total cost (USD)" });
}

function showBill(data) {
  $("#bill-total").textContent = usd(data.total);
  $("#bill-without").textContent = usd(data.without_caching);
  const r = data.records;
  $("#bill-records").textContent = `${r.lines} lines: ${r.responses} responses, ${r.caches} caches billed, ` +
    `${r.bad} not billed`;
  const tbody = $("#bill-models tbody");
  tbody.replaceChildren();
  for (const row of data.by_model) {
    const tr = document.createElement("tr");
    cell(tr, row.model); cell(tr, usd(row.without_caching)); cell(tr, usd(row.total));
    tbody.append(tr);
  }
  $("#bad-records").replaceChildren(...data.bad_records.map((bad) => Object.assign(document.createElement("li"),
    { textContent: `${bad.file}:${bad.line}: ${bad.code}: ${bad.reason}` })));
}

function lower(price) {
  if (price === null || price === undefined) return null;
  return parseFloat(typeof price === "object" ? price.lower : price);
}

function showHistory(data) {
  const periods = data.periods_shown;
  const day = (text) => Date.parse(text + "T00:00:00Z");
  const start = day(periods[0].effective), end = Math.max(Date.now(), start + 86400000);
  const figures = [["input", "input_mtok", "#1f77b4"], ["output", "output_mtok", "#d62728"],
    ["cached input", "cached_mtok", "#2ca02c"]];
  const series = figures.map(([name, key, color]) => ({ name, color,
    points: periods.map((p) => [day(p.effective), lower(p[key])]) }));
  stepChart($("#history-chart"), { series, start, end, yLabel: "USD per 1M tokens" });
  const tbody = $("#history-table tbody");
  tbody.replaceChildren();
  for (const p of periods) {
    const tr = document.createElement("tr");
    const show = (price) => price === null ? "—" : typeof price === "object"
      ? `$${price.lower} / $${price.upper}` : "$" + price;
    cell(tr, p.effective + (p.effective_approximate ? " (approx.)" : ""));
    for (const key of ["input_mtok", "output_mtok", "cached_mtok", "storage_mtok_hour"]) cell(tr, show(p[key]));
    cell(tr, p.confidence);
    tbody.append(tr);
  }
}

async function fillModels(platformSelect) {
  const form = platformSelect.form, select = $(".model-list", form);
  const response = await fetch(`/api/models?platform=${encodeURIComponent(platformSelect.value)}`);
  const rows = response.ok ? await response.json() : [];
  const keep = select.value;
  select.replaceChildren(...rows.map((row) => Object.assign(document.createElement("option"),
    { value: row.model, textContent: `${row.name} (${row.model})` })));
  const wanted = rows.some((row) => row.model === keep) ? keep : "gemini-2.5-flash";
  if (rows.some((row) => row.model === wanted)) select.value = wanted;
}

function wire() {
  for (const platform of document.querySelectorAll("select.platform")) {
    platform.addEventListener("change", () => fillModels(platform));
    fillModels(platform);
  }
  $("#estimate-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const payload = body(event.target);
    call($("#estimate"), "/api/estimate", postJSON(payload), showEstimate);
  });
  $("#recommend-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const payload = body(event.target);
    if (payload.seed !== undefined && /^[0-9]+$/.test(payload.seed)) payload.seed = Number(payload.seed);
    call($("#recommend"), "/api/recommend", postJSON(payload), showRecommend);
  });
  $("#bill-form").addEventListener("submit", (event) => {
    event.preventDefault();
    call($("#bill"), "/api/bill", { method: "POST", body: new FormData(event.target) }, showBill);
  });
  $("#history-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const path = `/api/prices/${encodeURIComponent(form.elements.model.value)}` +
      `?platform=${encodeURIComponent(form.elements.platform.value)}`;
    call($("#history"), path, {}, showHistory);
  });
  document.body.dataset.ready = "yes";
}

wire();
