/** The report's stylesheet: light and dark (prefers-color-scheme), chart colours as CSS variables. */
export const STYLES = `
:root { color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --card: #f6f8fa; --line: #d0d7de;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700;
  --c0: #0969da; --c1: #8250df; --c2: #bf8700; --c3: #1a7f37; --c4: #cf6d00; --c5: #57606a;
  --outage: rgba(207, 34, 46, 0.16); --outage-open: rgba(207, 34, 46, 0.07); --band: rgba(9, 105, 218, 0.09); }
@media (prefers-color-scheme: dark) { :root {
  --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --card: #161b22; --line: #30363d;
  --ok: #3fb950; --bad: #f85149; --warn: #d29922;
  --c0: #58a6ff; --c1: #bc8cff; --c2: #e3b341; --c3: #56d364; --c4: #ffa657; --c5: #8d96a0;
  --outage: rgba(248, 81, 73, 0.24); --outage-open: rgba(248, 81, 73, 0.11); --band: rgba(88, 166, 255, 0.13); } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 1020px; margin: 0 auto; padding: 24px 20px 60px; }
h1 { font-size: 1.6em; margin: 0 0 6px; } h2 { font-size: 1.2em; margin: 32px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 1em; margin: 18px 0 6px; }
.meta { color: var(--muted); overflow-wrap: anywhere; } .meta b { color: var(--fg); font-weight: 600; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600; color: #fff; }
.verdict.succeeded { background: var(--ok); } .verdict.failed { background: var(--bad); } .verdict.interrupted { background: var(--warn); }
.notice { background: var(--card); border-left: 4px solid var(--warn); padding: 8px 12px; margin: 12px 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; margin: 12px 0; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; } td.num { font-variant-numeric: tabular-nums; overflow-wrap: anywhere; } table.figures th { width: 40%; }
ul.checks { list-style: none; padding: 0; } ul.checks li { margin: 4px 0; }
.pass { color: var(--ok); font-weight: 700; } .fail { color: var(--bad); font-weight: 700; }
.step { border-top: 1px solid var(--line); padding: 10px 0; } .step .head { display: flex; gap: 10px; align-items: baseline; }
.step .dur { margin-left: auto; color: var(--muted); font-variant-numeric: tabular-nums; white-space: nowrap; }
.step .status { font-size: 0.8em; text-transform: uppercase; color: var(--muted); } .step .status.failed { color: var(--bad); }
.prose { white-space: pre-line; color: var(--fg); margin: 4px 0; } .why { color: var(--muted); font-style: italic; }
details { margin: 4px 0; } summary { cursor: pointer; color: var(--muted); }
pre { background: var(--bg); border: 1px solid var(--line); padding: 8px; overflow-x: auto; font-size: 12px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.92em; }
svg.chart { width: 100%; height: auto; display: block; font-family: system-ui, sans-serif; }
svg .axis { stroke: var(--muted); stroke-width: 1; } svg .grid { stroke: var(--line); stroke-width: 0.6; }
svg .tick, svg .legend-label, svg .lane-label, svg .bar-value { fill: var(--fg); font-size: 12px; }
svg .small { font-size: 11px; } svg .axis-title { fill: var(--muted); font-size: 12px; }
svg .lane { stroke: var(--line); stroke-dasharray: 2 3; }
svg .outage { fill: var(--outage); stroke: var(--bad); stroke-width: 0.8; } svg .outage-open { fill: var(--outage-open); stroke: var(--bad); stroke-dasharray: 4 3; }
svg .window-label { fill: var(--bad); font-size: 11px; font-weight: 600; }
svg .band { fill: var(--band); } svg .band-label { fill: var(--muted); font-size: 11px; }
svg .fail { stroke: var(--bad); stroke-width: 2; fill: none; } svg .unknown { stroke: var(--warn); stroke-width: 2; fill: none; }
svg .marker { stroke: var(--fg); stroke-width: 1.2; stroke-dasharray: 5 3; } svg .marker.change { stroke: var(--c3); }
svg .marker-label { fill: var(--fg); font-size: 11px; font-weight: 600; } svg .marker-label.change { fill: var(--c3); }
svg .span { fill: var(--c0); } svg .span.failed { fill: var(--bad); }
${[0, 1, 2, 3, 4, 5].map((i) => `svg circle.s${i}, svg rect.s${i} { fill: var(--c${i}); } svg .series.s${i}, svg line.s${i} { stroke: var(--c${i}); }`).join('\n')}
svg .series { fill: none; stroke-width: 1.6; } svg .series.highlight { stroke-width: 3.2; }
svg line.s0, svg line.s1, svg line.s2, svg line.s3, svg line.s4, svg line.s5 { stroke-width: 3; }
svg rect.outage, svg rect.band { shape-rendering: crispEdges; }
svg .threshold { stroke: var(--bad); stroke-width: 1.4; stroke-dasharray: 6 4; } svg .threshold-label { fill: var(--bad); font-size: 11px; font-weight: 600; }
svg .seg-label { fill: #fff; font-size: 11px; font-weight: 600; } svg .point-label { fill: var(--fg); font-size: 11px; }
svg .point { stroke: var(--bg); stroke-width: 1; }
svg .seg.window { fill: var(--band); stroke: var(--c0); stroke-width: 0.8; } svg .seg.window + text.seg-label, svg .seg-label.dark { fill: var(--fg); }
svg .seg.mistake, svg .point.lost { fill: var(--bad); } svg .seg.restore { fill: var(--c1); }
svg .point.kept { fill: var(--c3); } svg .point.after { fill: var(--warn); } svg .point.refused { fill: none; stroke: var(--bad); stroke-width: 1.6; }
svg .run.kept { fill: var(--c3); } svg .run.lost { fill: var(--bad); } svg .run.refused { fill: none; stroke: var(--bad); stroke-width: 1.4; }
svg .seg.state-ok { fill: var(--ok); } svg .seg.state-alarm { fill: var(--bad); } svg .seg.state-insufficient-data { fill: var(--c5); }
`;
