extension DemoPage {
    /// The page's behaviour, in plain JavaScript over `EventSource` and `fetch`. `window.demo` exposes what
    /// the page saw (streams, their connection and protocol, events, gaps) for the browser test.
    static let script = ##"""
'use strict';
// The ssegate demo: plain EventSource, no framework. `window.demo` exposes the state so a browser test
// can read what the page saw.
const demo = { streams: [], fanout: [], channels: ['news', 'chat', 'alerts'] };
window.demo = demo;
const $ = (id) => document.getElementById(id);
const base = new URL('.', location.href);
const eventsURL = (channel, extra) => new URL('events/demo:' + encodeURIComponent(channel) + (extra || ''), base).href;
const publishURL = (channel) => new URL('demo/publish/' + encodeURIComponent(channel), base).href;

function log(list, text, kind) {
  const item = document.createElement('li');
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  item.append(time, text);
  if (kind) item.className = kind;
  list.prepend(item);
  while (list.children.length > 200) list.lastChild.remove();
}
const connectionLog = (text, kind) => log($('connection-log'), text, kind);
const eventLog = (text, kind) => log($('event-log'), text, kind);

// One EventSource with everything the page learns about it.
function openStream(label, url, onEvent) {
  const stream = { label, url, state: 'connecting', opens: 0, connection: null, protocol: null, sessions: [],
    events: [], gaps: [], lastEventId: null, source: null };
  const source = new EventSource(url);
  stream.source = source;
  source.addEventListener('open', () => { stream.state = 'open'; connectionLog(label + ': open', 'open'); render(); });
  source.addEventListener('error', () => {
    stream.state = source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting';
    connectionLog(label + ': ' + stream.state + ' (the browser retries after the retry: hint)', 'error');
    render();
  });
  source.addEventListener('stream-open', (event) => {
    const info = JSON.parse(event.data);
    stream.opens += 1;
    stream.connection = info.connection;
    stream.protocol = info.protocol;
    stream.sessions.push(info.session);
    connectionLog(label + ': stream-open session ' + info.session + ' on connection #' + info.connection + ' (' + info.protocol + ')');
    render();
  });
  source.addEventListener('stream-gap', (event) => {
    const gap = JSON.parse(event.data);
    stream.gaps.push(gap);
    if (event.lastEventId) stream.lastEventId = event.lastEventId;
    connectionLog(label + ': stream-gap ' + event.data, 'gap');
    render();
  });
  const received = (event) => {
    const record = { type: event.type, id: event.lastEventId, data: event.data };
    stream.events.push(record);
    stream.lastEventId = event.lastEventId || stream.lastEventId;
    if (onEvent) onEvent(stream, record);
    render();
  };
  source.addEventListener('message', received);
  stream.listen = (type) => source.addEventListener(type, received);
  demo.streams.push(stream);
  return stream;
}

function closeStream(stream) {
  stream.source.close();
  stream.state = 'closed';
  demo.streams = demo.streams.filter((other) => other !== stream);
}

// Channels: one stream per ticked channel, its events in the event log.
const channelStreams = new Map();
function showEvent(stream, record) {
  const preview = record.data.length > 160 ? record.data.slice(0, 160) + '… (' + record.data.length + ' chars)' : record.data;
  eventLog(stream.label + ' ' + record.type + ' id=' + record.id + ': ' + preview);
}
function setChannel(channel, on) {
  if (on && !channelStreams.has(channel)) {
    const stream = openStream('demo:' + channel, eventsURL(channel), showEvent);
    for (const type of demo.knownTypes) stream.listen(type);
    channelStreams.set(channel, stream);
  } else if (!on && channelStreams.has(channel)) {
    closeStream(channelStreams.get(channel));
    channelStreams.delete(channel);
    connectionLog('demo:' + channel + ': closed by the page');
  }
  render();
}
demo.knownTypes = new Set();
function addChannel(channel, on) {
  if (!demo.channels.includes(channel)) demo.channels.push(channel);
  const label = document.createElement('label');
  label.innerHTML = '<input type="checkbox"> demo:' + channel.replace(/[<>&"]/g, '');
  const box = label.querySelector('input');
  box.checked = on;
  box.addEventListener('change', () => setChannel(channel, box.checked));
  $('channels').append(label);
  const option = document.createElement('option');
  option.value = option.textContent = channel;
  $('publish-channel').append(option);
  setChannel(channel, on);
}
$('add-channel').addEventListener('submit', (event) => {
  event.preventDefault();
  addChannel($('new-channel').value, true);
  $('new-channel').value = '';
});

// Publishing through the demo route; the answer (ids, or the 429 with Retry-After) is shown as is.
async function publish(channel, data, type) {
  const body = type ? JSON.stringify({ event: type, data }) : data;
  const response = await fetch(publishURL(channel), { method: 'POST', body,
    headers: { 'content-type': type ? 'application/json' : 'text/plain; charset=utf-8' } });
  return { status: response.status, body: await response.json() };
}
demo.publish = publish;
$('publish').addEventListener('submit', async (event) => {
  event.preventDefault();
  const type = $('publish-type').value.trim();
  if (type && !demo.knownTypes.has(type)) {
    demo.knownTypes.add(type);
    for (const stream of channelStreams.values()) stream.listen(type);
  }
  const answer = await publish($('publish-channel').value, $('publish-data').value, type);
  $('publish-result').textContent = answer.status + ' ' + JSON.stringify(answer.body);
});

// N streams on one channel: with HTTP/2 they all share the page's one connection.
demo.openFanout = (count) => {
  demo.closeFanout();
  for (let index = 1; index <= count; index += 1) {
    demo.fanout.push(openStream('fan-' + index, eventsURL('fan', '?n=' + index)));
  }
  render();
};
demo.closeFanout = () => { for (const stream of demo.fanout) closeStream(stream); demo.fanout = []; render(); };
$('fanout').addEventListener('submit', (event) => { event.preventDefault(); demo.openFanout(Number($('fanout-count').value)); });
$('fanout-close').addEventListener('click', () => demo.closeFanout());

// The browser's own record of each request's protocol: available for a request once its response ends.
demo.browserProtocols = () => {
  const protocols = {};
  for (const entry of performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))) {
    protocols[entry.name] = entry.nextHopProtocol;
  }
  return protocols;
};

function render() {
  const rows = demo.streams.map((stream) =>
    '<tr><td>' + stream.label + '</td><td>' + stream.state + '</td><td>' + (stream.protocol || '…') + '</td><td>' +
    (stream.connection === null ? '…' : '#' + stream.connection) + '</td><td>' + stream.events.length + '</td><td>' + stream.gaps.length + '</td></tr>');
  $('streams').tBodies[0].innerHTML = rows.join('');
  const opened = demo.streams.filter((stream) => stream.connection !== null);
  const connections = new Set(opened.map((stream) => stream.connection));
  const protocols = new Set(opened.map((stream) => stream.protocol));
  const summary = $('sharing-summary');
  summary.textContent = opened.length === 0 ? 'No streams open yet.'
    : opened.length + ' EventSources · protocol ' + [...protocols].join(', ') + ' · ' + connections.size +
      (connections.size === 1 ? ' connection (#' + [...connections][0] + '), shared by all' : ' connections');
  summary.className = 'summary' + (connections.size === 1 && opened.length > 1 ? ' shared' : '');
  const open = demo.streams.filter((stream) => stream.state === 'open').length;
  const status = $('status');
  status.textContent = open === demo.streams.length && open > 0 ? 'connected · ' + open + ' streams' : open + ' of ' + demo.streams.length + ' streams open';
  status.className = 'pill ' + (open === demo.streams.length && open > 0 ? 'open' : open > 0 ? 'connecting' : 'closed');
  const browser = demo.browserProtocols();
  $('page-protocols').textContent = 'This page: ' + Object.entries(browser).filter(([name]) => !name.includes('/events/'))
    .map(([name, protocol]) => new URL(name).pathname + ' ' + (protocol || '?')).join(' · ');
}
setInterval(render, 2000);

// Drop and resume: nothing published while the stream was away is lost.
$('drop-resume').addEventListener('click', async () => {
  const result = $('resume-result');
  const channel = demo.channels.find((name) => channelStreams.has(name));
  if (!channel) { result.textContent = 'Tick a channel first.'; return; }
  const before = channelStreams.get(channel);
  if (!before.lastEventId) {
    // EventSource keeps the id of the stream's opening position to itself; one event makes it visible.
    await publish(channel, 'the last event before the drop');
    await until(() => before.lastEventId, 5000);
  }
  const lastEventId = before.lastEventId;
  setChannel(channel, false);
  const sent = [];
  for (let index = 1; index <= 3; index += 1) {
    const answer = await publish(channel, 'published while away #' + index);
    if (answer.status !== 200) { result.textContent = 'publish refused: ' + JSON.stringify(answer.body); break; }
    sent.push(...answer.body.ids);
  }
  result.textContent = 'Dropped demo:' + channel + ' after id ' + lastEventId + '; published ' + sent.length + ' events while away…';
  const resumed = openStream('demo:' + channel, eventsURL(channel, lastEventId ? '?lastEventId=' + encodeURIComponent(lastEventId) : ''), (stream, record) => {
    showEvent(stream, record);
    const got = stream.events.map((event) => event.id);
    const missing = sent.filter((id) => !got.includes(id));
    result.textContent = 'Resumed demo:' + channel + ' from ' + lastEventId + ': received ' + got.length + ' of the ' + sent.length +
      ' events published while away' + (missing.length === 0 ? ' — nothing was missed.' : ', still waiting for ' + missing.join(', '));
  });
  for (const type of demo.knownTypes) resumed.listen(type);
  channelStreams.set(channel, resumed);
  render();
});

function until(condition, timeout) {
  return new Promise((resolve) => {
    const started = Date.now();
    const poll = () => (condition() || Date.now() - started > timeout ? resolve() : setTimeout(poll, 50));
    poll();
  });
}

addChannel('news', true);
addChannel('chat', true);
addChannel('alerts', false);
render();
"""##
}
