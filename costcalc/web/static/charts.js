// Small SVG charts drawn here (no chart library, nothing from a CDN). Numbers are floats only for drawing:
// every figure shown as text comes from the API's exact decimal strings.
const NS = "http://www.w3.org/2000/svg";
const PAD = { left: 70, right: 20, top: 30, bottom: 50 };

function el(name, attrs, text) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function size(svg) {
  const box = svg.viewBox.baseVal;
  return { width: box.width, height: box.height };
}

// About five round steps between 0 and max: 1, 2 or 5 times a power of ten.
export function ticks(max) {
  if (!(max > 0)) return [0, 1];
  const rough = max / 5;
  const power = Math.pow(10, Math.floor(Math.log10(rough)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough);
  const out = [];
  for (let v = 0; v <= max + step / 2; v += step) out.push(v);
  if (out[out.length - 1] < max) out.push(out[out.length - 1] + step);
  return out;
}

export function money(value) {
  if (value === 0) return "$0";
  const digits = Math.abs(value) >= 1 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(Math.abs(value))));
  return "$" + value.toLocaleString("en-US", { minimumFractionDigits: 0, maximumFractionDigits: digits });
}

function frame(svg, xMax, yMax, xLabel, yLabel, xFormat, yFormat, bottom = PAD.bottom) {
  svg.replaceChildren();
  const { width, height } = size(svg);
  const plotW = width - PAD.left - PAD.right, plotH = height - PAD.top - bottom;
  const yTicks = ticks(yMax), xTicks = xFormat.ticks || ticks(xMax);
  const yTop = yTicks[yTicks.length - 1], xEnd = xFormat.end ?? xTicks[xTicks.length - 1];
  const x = (v) => PAD.left + (v - (xFormat.start || 0)) / (xEnd - (xFormat.start || 0)) * plotW;
  const y = (v) => PAD.top + plotH - (v / yTop) * plotH;
  for (const t of yTicks) {
    svg.append(el("line", { class: "grid", x1: PAD.left, x2: PAD.left + plotW, y1: y(t), y2: y(t) }));
    svg.append(el("text", { x: PAD.left - 6, y: y(t) + 4, "text-anchor": "end" }, yFormat(t)));
  }
  for (const t of xTicks) {
    svg.append(el("text", { x: x(t), y: PAD.top + plotH + 18, "text-anchor": "middle" }, xFormat.label(t)));
  }
  svg.append(el("line", { class: "axis", x1: PAD.left, x2: PAD.left + plotW, y1: y(0), y2: y(0) }));
  svg.append(el("line", { class: "axis", x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: PAD.top + plotH }));
  svg.append(el("text", { x: PAD.left + plotW / 2, y: height - 8, "text-anchor": "middle" }, xLabel));
  svg.append(el("text", { x: 14, y: PAD.top + plotH / 2, transform: `rotate(-90 14 ${PAD.top + plotH / 2})`,
    "text-anchor": "middle" }, yLabel));
  return { x, y, plotW, plotH };
}

// A row above the plot, so it never hides a line or the break-even marker.
function legend(svg, series) {
  let left = PAD.left;
  for (const s of series) {
    svg.append(el("rect", { x: left, y: 8, width: 12, height: 4, fill: s.color }));
    svg.append(el("text", { x: left + 18, y: 14 }, s.name));
    left += 30 + 7 * s.name.length;
  }
}

// Straight lines through points, a dashed marker (the break-even) at marker.x.
export function lineChart(svg, { series, xMax, xLabel, yLabel, marker }) {
  const yMax = Math.max(...series.flatMap((s) => s.points.map((p) => p[1])), 0);
  const f = frame(svg, xMax, yMax, xLabel, yLabel, { label: (t) => t.toLocaleString("en-US"), end: xMax,
    ticks: ticks(xMax).filter((t) => t <= xMax) }, money);
  for (const s of series) {
    const d = s.points.map((p, i) => `${i ? "L" : "M"}${f.x(p[0]).toFixed(1)},${f.y(p[1]).toFixed(1)}`).join("");
    svg.append(el("path", { d, fill: "none", stroke: s.color, "stroke-width": 2, "data-series": s.name }));
  }
  if (marker && marker.x <= xMax) {
    svg.append(el("line", { x1: f.x(marker.x), x2: f.x(marker.x), y1: PAD.top, y2: PAD.top + f.plotH,
      stroke: "#d62728", "stroke-dasharray": "5 4", "data-break-even": marker.x }));
    svg.append(el("text", { x: f.x(marker.x) + 6, y: PAD.top + f.plotH - 8, fill: "#d62728",
      id: svg.id + "-marker" }, marker.label));
  }
  legend(svg, series);
}

// One bar per strategy, labelled under it.
export function barChart(svg, { bars, yLabel }) {
  const yMax = Math.max(...bars.map((b) => b.value), 0);
  const n = Math.max(bars.length, 1);
  const f = frame(svg, n, yMax, "", yLabel, { label: () => "", ticks: [], end: n }, money, 110);
  bars.forEach((b, i) => {
    const width = (f.plotW / n) * 0.7, left = f.x(i) + (f.plotW / n) * 0.15;
    svg.append(el("rect", { x: left, y: f.y(b.value), width, height: f.y(0) - f.y(b.value),
      fill: b.highlight ? "#2ca02c" : "#1f77b4", "data-strategy": b.label }));
    svg.append(el("text", { x: left + width / 2, y: f.y(0) + 14, "text-anchor": "end",
      transform: `rotate(-35 ${left + width / 2} ${f.y(0) + 14})` }, b.label));
  });
}

// Prices as steps: each period's figure holds from its effective date until the next one (or today).
export function stepChart(svg, { series, start, end, yLabel }) {
  const yMax = Math.max(...series.flatMap((s) => s.points.map((p) => p[1] ?? 0)), 0);
  const years = [];
  for (let year = new Date(start).getUTCFullYear(); year <= new Date(end).getUTCFullYear() + 1; year++) {
    years.push(Date.UTC(year, 0, 1));
  }
  const inside = years.filter((t) => t >= start && t <= end);
  const f = frame(svg, end, yMax, "effective date", yLabel,
    { start, end, ticks: inside, label: (t) => String(new Date(t).getUTCFullYear()) }, money);
  for (const s of series) {
    let d = "", down = false;
    s.points.forEach((p, i) => {
      if (p[1] === null) { down = false; return; }  // no such price in this period: a gap, not a zero
      const next = i + 1 < s.points.length ? s.points[i + 1][0] : end;
      d += `${down ? "L" : "M"}${f.x(p[0]).toFixed(1)},${f.y(p[1]).toFixed(1)}L${f.x(next).toFixed(1)},${f.y(p[1]).toFixed(1)}`;
      down = true;
    });
    if (d) svg.append(el("path", { d, fill: "none", stroke: s.color, "stroke-width": 2, "data-series": s.name }));
  }
  legend(svg, series);
}
