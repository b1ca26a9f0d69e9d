extension DemoPage {
    /// The page's styles: a grid of panels, logs that scroll.
    static let style = ##"""
:root { --ink: #1d2330; --muted: #5c667a; --line: #dde2ea; --ok: #1f8a4c; --warn: #b7791f; --bad: #c53030; --accent: #2b59c3; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f6f7fa; }
header { display: flex; align-items: baseline; gap: 1rem; padding: 1rem 1.5rem; background: #fff; border-bottom: 1px solid var(--line); }
header h1 { margin: 0; font-size: 1.4rem; }
header p { margin: 0; color: var(--muted); flex: 1; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1rem; padding: 1rem 1.5rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 0.75rem 1rem; min-width: 0; }
h2 { margin: 0 0 0.5rem; font-size: 1.05rem; }
.hint { color: var(--muted); font-size: 0.85rem; margin: 0.25rem 0 0.5rem; }
.pill { padding: 0.15rem 0.6rem; border-radius: 999px; font-size: 0.85rem; color: #fff; }
.pill.open { background: var(--ok); } .pill.connecting { background: var(--warn); } .pill.closed { background: var(--bad); }
label { display: block; margin: 0.3rem 0; font-size: 0.9rem; }
input, select, textarea { font: inherit; padding: 0.25rem 0.4rem; border: 1px solid var(--line); border-radius: 4px; }
textarea { width: 100%; }
button { font: inherit; padding: 0.3rem 0.8rem; margin: 0.2rem 0.3rem 0.2rem 0; border: 0; border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; }
#channels label { display: inline-block; margin-right: 1rem; }
.result { background: #f1f3f7; padding: 0.4rem; border-radius: 4px; white-space: pre-wrap; word-break: break-all; min-height: 1.5rem; font-size: 0.8rem; }
.summary { font-weight: 600; }
.summary.shared { color: var(--ok); }
table { border-collapse: collapse; width: 100%; font-size: 0.8rem; }
th, td { text-align: left; padding: 0.1rem 0.4rem; border-bottom: 1px solid var(--line); }
#streams tbody { display: block; max-height: 14rem; overflow-y: auto; }
#streams thead, #streams tbody tr { display: table; width: 100%; table-layout: fixed; }
.log { list-style: none; margin: 0; padding: 0; max-height: 16rem; overflow-y: auto; font: 0.78rem/1.35 ui-monospace, monospace; }
.log li { padding: 0.1rem 0; border-bottom: 1px dotted var(--line); white-space: pre-wrap; word-break: break-all; }
.log time { color: var(--muted); margin-right: 0.5rem; }
.log .gap { color: var(--warn); } .log .error { color: var(--bad); } .log .open { color: var(--ok); }
"""##
}
