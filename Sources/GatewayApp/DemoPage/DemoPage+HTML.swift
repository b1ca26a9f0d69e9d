extension DemoPage {
    /// The page: panels for channels, publishing, the shared connection, drop-and-resume, and the two logs.
    static let html = ##"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ssegate demo</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="demo/demo.css">
</head>
<body>
<header>
  <h1>ssegate</h1>
  <p>Server-Sent Events over HTTP/2, through one TLS connection.</p>
  <span id="status" class="pill connecting">connecting</span>
</header>
<main>
  <section id="channels-panel">
    <h2>Channels</h2>
    <p class="hint">Each ticked channel is one <code>EventSource</code> on <code>/events/demo:&lt;name&gt;</code>.</p>
    <div id="channels"></div>
    <form id="add-channel"><input id="new-channel" placeholder="another channel" pattern="[A-Za-z0-9._~@-]{1,40}" required><button>Add</button></form>
  </section>
  <section id="publish-panel">
    <h2>Publish</h2>
    <p class="hint">Through the demo publish route (rate-limited), to <code>demo:&lt;channel&gt;</code>.</p>
    <form id="publish">
      <label>Channel <select id="publish-channel"></select></label>
      <label>Event type <input id="publish-type" placeholder="message"></label>
      <label>Data <textarea id="publish-data" rows="3">Hello from the demo page</textarea></label>
      <button>Publish</button>
    </form>
    <pre id="publish-result" class="result"></pre>
  </section>
  <section id="sharing-panel">
    <h2>One connection, many streams</h2>
    <form id="fanout"><label>Streams <input id="fanout-count" type="number" min="1" max="90" value="20"></label><button>Open</button><button type="button" id="fanout-close">Close</button></form>
    <p id="sharing-summary" class="summary">No streams yet.</p>
    <p class="hint">Connection and protocol per stream come from its <code>stream-open</code> event; the
      browser's own view (<code>nextHopProtocol</code> from <code>performance.getEntriesByType('resource')</code>)
      is listed for this page's requests, and for each stream once it has ended.</p>
    <div id="page-protocols"></div>
    <table id="streams"><thead><tr><th>stream</th><th>state</th><th>protocol</th><th>conn.</th><th>events</th><th>gaps</th></tr></thead><tbody></tbody></table>
  </section>
  <section id="resume-panel">
    <h2>Drop and resume</h2>
    <p class="hint">Closes a channel's stream, publishes three events while it is away, and reopens it with its
      last event id: the gateway replays what was missed.</p>
    <button id="drop-resume">Drop and resume</button>
    <pre id="resume-result" class="result"></pre>
  </section>
  <section id="connection-log-panel"><h2>Connection log</h2><ol id="connection-log" class="log"></ol></section>
  <section id="event-log-panel"><h2>Event log</h2><ol id="event-log" class="log"></ol></section>
</main>
<script src="demo/demo.js"></script>
</body>
</html>
"""##
}
