/** The page's stylesheet: mobile first (390 px wide phones), two columns from 960 px. System fonts only. */
export const STYLES_CSS = String.raw`
:root {
  color-scheme: light dark;
  --bg: #f5f6f8; --card: #ffffff; --text: #1b1f24; --muted: #5d6673; --line: #dde1e6;
  --accent: #3a5ccc; --accent-text: #ffffff; --ok: #1f8a4c; --bad: #c0392b; --warn: #b26a00; --active: #2f7fd8;
  --code-bg: #f7f8fa; --tok-kw: #8a3ab9; --tok-str: #1f7a3f; --tok-com: #7b8490; --tok-num: #b25000; --tok-dw: #0b63c4; --tok-fn: #6b4f00;
  --radius: 10px;
  --top-height: 52px;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14171b; --card: #1d2127; --text: #e6e9ed; --muted: #9aa3ae; --line: #2e343c;
    --accent: #6f8ff0; --accent-text: #0d1117; --ok: #4cc47f; --bad: #ef6b5b; --warn: #e0a040; --active: #5aa5f0;
    --code-bg: #171a1f; --tok-kw: #d19af2; --tok-str: #7fd49a; --tok-com: #7b8490; --tok-num: #f0a060; --tok-dw: #7ab8ff; --tok-fn: #e6cf7a;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
  overflow-wrap: anywhere;
}
a { color: var(--accent); }
h1 { font-size: 1.3rem; margin: 0; line-height: 1.25; }
h2 { font-size: 1.05rem; margin: 0 0 .6rem; }
h3 { font-size: .95rem; margin: .8rem 0 .4rem; }
h4 { font-size: .85rem; margin: .7rem 0 .25rem; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.muted { color: var(--muted); }
.error { color: var(--bad); }
[hidden] { display: none !important; }
.loading-shell { padding: 1rem; }

.top {
  position: sticky; top: 0; z-index: 5; display: flex; align-items: center; justify-content: space-between; gap: .5rem;
  height: var(--top-height); padding: 0 1rem; background: var(--card); border-bottom: 1px solid var(--line);
}
.brand { font-weight: 650; text-decoration: none; color: var(--text); }
.view { padding: .75rem; max-width: 1400px; margin: 0 auto; }
.banner { padding: .75rem 1rem; }
.banner-error { background: var(--bad); color: #fff; }
.banner-error a { color: #fff; font-weight: 600; }

.card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: .85rem; margin-bottom: .75rem; min-width: 0; }
.pane-head { display: flex; align-items: baseline; justify-content: space-between; gap: .5rem; margin-bottom: .5rem; flex-wrap: wrap; }
.pane-head h2 { margin: 0; }
.toolbar { display: flex; gap: .5rem; margin-bottom: .6rem; flex-wrap: wrap; }

.btn {
  display: inline-flex; align-items: center; justify-content: center; min-height: 44px; padding: .5rem 1rem;
  border-radius: 8px; border: 1px solid transparent; font: inherit; font-weight: 600; cursor: pointer; text-decoration: none;
}
.btn:disabled { opacity: .5; cursor: not-allowed; }
.btn-primary { background: var(--accent); color: var(--accent-text); }
.btn-secondary { background: transparent; color: var(--text); border-color: var(--line); }
.btn-danger { background: transparent; color: var(--bad); border-color: var(--bad); }
.btn-danger.armed { background: var(--bad); color: #fff; }
.btn-link { background: none; border: 0; color: var(--accent); min-height: 40px; padding: .25rem .5rem; }
.buttons { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: .6rem; }
.buttons .btn { flex: 1 1 8rem; }
select, textarea, input {
  font: inherit; color: var(--text); background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: .55rem .65rem; min-height: 44px; max-width: 100%;
  font-size: 16px; /* below 16px, iOS Safari zooms the page into a focused field */
}
select.filter { width: 100%; }
textarea { width: 100%; display: block; }
textarea.editor { font: 16px/1.45 var(--mono); white-space: pre-wrap; tab-size: 2; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }

.badge {
  display: inline-block; padding: .1rem .5rem; border-radius: 999px; font-size: .78rem; font-weight: 650; white-space: nowrap;
  background: var(--line); color: var(--text);
}
.badge-running, .badge-active { background: var(--active); color: #fff; }
.badge-converged, .badge-done { background: var(--ok); color: #fff; }
.badge-failed { background: var(--bad); color: #fff; }
.badge-awaiting_approval { background: var(--warn); color: #fff; }
.badge-planning { background: #7a5bd6; color: #fff; }
.tag { font-size: .78rem; padding: .1rem .45rem; border-radius: 6px; border: 1px solid var(--line); color: var(--muted); }
.tag-paused { border-color: var(--warn); color: var(--warn); }

.progress { display: flex; height: 8px; border-radius: 999px; background: var(--line); overflow: hidden; margin: .5rem 0; }
.progress .seg { display: block; height: 100%; transition: width .3s ease; }
.seg.done { background: var(--ok); }
.seg.failed { background: var(--bad); }
.seg.active { background: var(--active); }
.legend { display: flex; gap: .9rem; font-size: .78rem; color: var(--muted); }
.legend .key::before { content: ''; display: inline-block; width: .6rem; height: .6rem; border-radius: 2px; margin-right: .3rem; vertical-align: middle; }
.legend .key.done::before { background: var(--ok); }
.legend .key.failed::before { background: var(--bad); }
.legend .key.active::before { background: var(--active); }

.runs { list-style: none; margin: 0 0 .75rem; padding: 0; }
.run { margin-bottom: .6rem; }
.run-link { display: block; color: inherit; text-decoration: none; background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: .75rem .85rem; }
.run-link:active { background: var(--bg); }
.run-top { display: flex; justify-content: space-between; align-items: flex-start; gap: .5rem; }
.run-name { font-weight: 600; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.run-line, .run-figures { display: flex; justify-content: space-between; gap: .5rem; font-size: .85rem; color: var(--muted); }
.run-figures { display: block; }
.btn-more { width: 100%; }

.run-head { margin-bottom: .5rem; }
.back { display: inline-block; padding: .35rem 0; text-decoration: none; }
.run-title { margin: .15rem 0 .35rem; display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; }
.run-sub { display: flex; flex-wrap: wrap; align-items: center; gap: .45rem; font-size: .88rem; color: var(--muted); }
.conn { margin-left: auto; font-size: .78rem; }
.conn::before { content: ''; display: inline-block; width: .5rem; height: .5rem; border-radius: 50%; margin-right: .3rem; background: var(--muted); }
.conn[data-state='live']::before { background: var(--ok); }
.conn[data-state='reconnecting']::before, .conn[data-state='closed']::before { background: var(--bad); }

.tabs {
  position: sticky; top: var(--top-height); z-index: 4; display: grid; grid-template-columns: repeat(4, 1fr); gap: .25rem;
  background: var(--bg); padding: .35rem 0; margin-bottom: .5rem;
}
.tab {
  text-align: center; padding: .55rem .25rem; border-radius: 8px; text-decoration: none; color: var(--muted); font-weight: 600;
  border: 1px solid var(--line); background: var(--card); min-height: 44px; font-size: .9rem;
}
.tab[aria-current='page'] { color: var(--accent-text); background: var(--accent); border-color: var(--accent); }
.pane { display: none; min-width: 0; }
.run-view[data-tab='overview'] .pane-overview, .run-view[data-tab='agents'] .pane-agents,
.run-view[data-tab='script'] .pane-script, .run-view[data-tab='activity'] .pane-activity { display: block; }

.stats { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: .6rem .75rem; }
.stat-value { font-size: 1.15rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.stat-label { font-size: .78rem; color: var(--muted); }
.stat.bad .stat-value { color: var(--bad); }
.actions .buttons { margin-top: 0; }
.actions { margin-bottom: .75rem; }
.paused-note { margin: 0 0 .5rem; color: var(--warn); font-weight: 600; }
.card-approval { border-color: var(--warn); border-width: 2px; }
.estimate { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: .5rem; }
.script-preview { max-height: 50vh; overflow-y: auto; border-radius: 8px; margin-bottom: .6rem; }
.card-error { border-color: var(--bad); }
.card-error h2 { color: var(--bad); }
.error-code { font-family: var(--mono); font-weight: 600; margin: 0 0 .25rem; }

.phases, .rounds, .activity, .agents, .facts { list-style: none; margin: 0; padding: 0; }
.phase { padding: .35rem 0; }
.phase-head { display: flex; justify-content: space-between; flex-wrap: wrap; gap: .15rem .75rem; font-size: .9rem; }
.phase-name { font-weight: 600; }
.phase.current .phase-name::after { content: ' · now'; color: var(--active); font-weight: 600; }
.phase-counts { color: var(--muted); font-variant-numeric: tabular-nums; }
.round { display: grid; grid-template-columns: 1fr; gap: .2rem; padding: .4rem 0; border-top: 1px solid var(--line); font-size: .9rem; }
.round:first-child { border-top: 0; }
.round-name { font-weight: 600; }
.meter { display: block; height: 6px; border-radius: 999px; background: var(--line); overflow: hidden; }
.meter-fill { display: block; height: 100%; background: var(--accent); }
.round-figures { color: var(--muted); }
.details { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .3rem .75rem; margin: 0; font-size: .9rem; }
.details dt { color: var(--muted); }
.details dd { margin: 0; min-width: 0; }
.act { display: grid; grid-template-columns: 5.5rem minmax(0, 1fr); gap: .5rem; padding: .3rem 0; border-top: 1px solid var(--line); font-size: .88rem; }
.act time { color: var(--muted); font-variant-numeric: tabular-nums; }
.act-error span { color: var(--bad); }

.agent { border-top: 1px solid var(--line); }
.agent:first-child { border-top: 0; }
.agent-head {
  display: grid; grid-template-columns: auto minmax(0, 1fr) auto; grid-template-areas: 'seq label badge' 'seq meta meta';
  gap: .1rem .5rem; width: 100%; text-align: left; background: none; border: 0; color: inherit; font: inherit; padding: .6rem .1rem; cursor: pointer; min-height: 44px;
}
.agent-head .seq { grid-area: seq; color: var(--muted); font-variant-numeric: tabular-nums; font-size: .85rem; }
.agent-label { grid-area: label; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.agent-head .badge { grid-area: badge; }
.agent-meta { grid-area: meta; font-size: .8rem; color: var(--muted); }
.agent-details { padding: 0 .1rem .75rem; }
.facts li { font-size: .82rem; color: var(--muted); }
.pager { display: grid; grid-template-columns: 1fr auto 1fr; align-items: center; gap: .5rem; margin-top: .6rem; }
.pager .range { font-size: .85rem; color: var(--muted); text-align: center; font-variant-numeric: tabular-nums; }
pre.block {
  margin: 0; padding: .6rem; background: var(--code-bg); border: 1px solid var(--line); border-radius: 8px;
  font: 12.5px/1.45 var(--mono); white-space: pre-wrap; overflow-wrap: anywhere; max-height: 22rem; overflow-y: auto;
}
pre.block.error { color: var(--bad); }

.code { font: 12.5px/1.5 var(--mono); background: var(--code-bg); border: 1px solid var(--line); border-radius: 8px; padding: .4rem 0; counter-reset: none; }
.line { display: grid; grid-template-columns: 2.6rem minmax(0, 1fr); min-height: 1.5em; }
.ln { color: var(--muted); text-align: right; padding-right: .6rem; user-select: none; -webkit-user-select: none; opacity: .75; }
.src { white-space: pre-wrap; overflow-wrap: anywhere; padding-right: .5rem; }
.tok-kw { color: var(--tok-kw); font-weight: 600; }
.tok-str, .tok-re { color: var(--tok-str); }
.tok-com { color: var(--tok-com); font-style: italic; }
.tok-num, .tok-lit { color: var(--tok-num); }
.tok-dw { color: var(--tok-dw); font-weight: 600; }
.tok-fn { color: var(--tok-fn); }
.tok-prop { color: inherit; }

.toasts { position: fixed; left: .75rem; right: .75rem; bottom: .75rem; z-index: 10; display: flex; flex-direction: column; gap: .4rem; pointer-events: none; }
.toast { padding: .7rem .9rem; border-radius: 8px; background: var(--text); color: var(--bg); box-shadow: 0 4px 16px rgba(0,0,0,.2); }
.toast-error { background: var(--bad); color: #fff; }
.toast-ok { background: var(--ok); color: #fff; }

.signin { display: flex; min-height: 100vh; align-items: center; justify-content: center; padding: 1rem; }
.signin-card { width: 100%; max-width: 24rem; background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 1.25rem; }
.signin-card h1 { margin-bottom: .5rem; }
.signin-card label { display: block; font-weight: 600; margin: .75rem 0 .3rem; }
.signin-card input { width: 100%; }
.signin-card .btn { width: 100%; margin-top: 1rem; }
.signin-error { color: var(--bad); font-weight: 600; margin: .6rem 0 0; }

@media (min-width: 600px) {
  .stats { grid-template-columns: repeat(4, minmax(0, 1fr)); }
  .toasts { left: auto; width: 24rem; }
  select.filter { width: auto; min-width: 14rem; }
  textarea.editor { font-size: 13px; }
}
@media (min-width: 960px) {
  .view { padding: 1rem 1.25rem; }
  .run-cols { display: grid; grid-template-columns: minmax(0, 5fr) minmax(0, 7fr); gap: 1rem; align-items: start; }
  .tabs { grid-template-columns: repeat(3, max-content); justify-content: end; }
  .tab { padding: .45rem 1.1rem; }
  .tab-overview { display: none; }
  .run-view[data-tab='overview'] .tab-agents { color: var(--accent-text); background: var(--accent); border-color: var(--accent); }
  .run-view .pane-overview { display: block; }
  .run-view[data-tab='overview'] .pane-agents { display: block; }
  .runs { display: grid; grid-template-columns: repeat(auto-fill, minmax(22rem, 1fr)); gap: .75rem; }
  .run { margin: 0; }
  .run-link { height: 100%; }
}
`;
