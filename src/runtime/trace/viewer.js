// The trace viewer: replays the events embedded in #trace-data, draws one lane per task and per
// channel, and shows the state at the current step. The state is also written into the DOM
// (data-state, data-buffered, data-puts, data-gets, #step, #event-desc) for tests to read.
(function () {
  'use strict';
  var SVGNS = 'http://www.w3.org/2000/svg';
  var events = JSON.parse(document.getElementById('trace-data').textContent).events;
  var n = events.length;

  // "task 'c0'" -> "c0", "task #3" -> "#3", "channel 'jobs'" -> "jobs", "main" -> "main".
  function short(label) {
    var m = /^(?:task|channel) (?:'(.*)'|(#\d+))$/.exec(label);
    return m ? (m[1] !== undefined ? m[1] : m[2]) : label;
  }
  function isTask(label) { return label === 'main' || /^task /.test(label); }

  // Lanes, in order of first appearance.
  var tasks = [], chans = [], taskIndex = {}, chanIndex = {};
  function addTask(label) {
    if (label && isTask(label) && !(label in taskIndex)) { taskIndex[label] = tasks.length; tasks.push(label); }
  }
  events.forEach(function (e) {
    addTask(e.parent); addTask(e.task); addTask(e.from); addTask(e.to);
    if (e.chan && !(e.chan in chanIndex)) { chanIndex[e.chan] = chans.length; chans.push(e.chan); }
  });

  // Replay: the state of every task and channel after each event, and the bands to draw.
  var NONE = { s: 'none' };
  var taskStates = [], chanStates = [], bands = tasks.map(function () { return []; });
  var chanSegs = chans.map(function () { return []; });
  (function replay() {
    var cur = tasks.map(function () { return NONE; });
    var ch = chans.map(function () { return null; });
    var since = tasks.map(function () { return 0; });
    var chSince = chans.map(function () { return 0; });
    function set(label, st, i) {
      var k = taskIndex[label];
      if (k === undefined) return;
      if (cur[k].s !== 'none') bands[k].push({ from: since[k], to: i, st: cur[k] });
      cur[k] = st; since[k] = i;
    }
    function setChan(label, snap, i) {
      var k = chanIndex[label];
      if (ch[k]) chanSegs[k].push({ from: chSince[k], to: i, c: ch[k] });
      ch[k] = snap; chSince[k] = i;
    }
    events.forEach(function (e, i) {
      switch (e.kind) {
        case 'Begin':
          tasks.forEach(function (t) { set(t, NONE, i); });
          chans.forEach(function (c, k) { if (ch[k]) setChan(c, null, i); });
          break;
        case 'Spawn': set(e.task, { s: 'ready' }, i); break;
        case 'Wake': {
          var k = taskIndex[e.task];
          if (k !== undefined && cur[k].s !== 'running') set(e.task, { s: 'ready' }, i);
          break;
        }
        case 'Run': set(e.task, { s: 'running' }, i); break;
        case 'Yield': set(e.task, { s: 'ready' }, i); break;
        case 'Park':
          set(e.task, { s: e.wait === 'timer' ? 'sleeping' : 'parked', wait: e.wait, on: e.on, at: e.at }, i);
          break;
        case 'End': set(e.task, { s: e.how }, i); break;
      }
      if (e.chan) {
        setChan(e.chan, { buffered: e.buffered, capacity: e.capacity, puts: e.puts, gets: e.gets, closed: e.closed }, i);
      }
      taskStates.push(cur.slice());
      chanStates.push(ch.slice());
    });
    tasks.forEach(function (t, k) { if (cur[k].s !== 'none') bands[k].push({ from: since[k], to: n, st: cur[k], open: true }); });
    chans.forEach(function (c, k) { if (ch[k]) chanSegs[k].push({ from: chSince[k], to: n, c: ch[k], open: true }); });
  })();

  // Where each task that waits in a channel operation or select parked, before event i.
  var parkedAt = [];
  (function () {
    var at = {};
    events.forEach(function (e) {
      parkedAt.push(Object.assign({}, at));
      if (e.kind === 'Park') {
        if (e.at && (e.wait === 'chan' || e.wait === 'select')) at[e.task] = e.at;
        else delete at[e.task];
      } else if (e.kind === 'Run') delete at[e.task];
    });
  })();

  // Absolute times: each run continues after the one before it.
  var times = [];
  (function () {
    var offset = 0, last = 0;
    events.forEach(function (e) {
      if (e.kind === 'Begin' && times.length) { offset += last + 0.05 * (last || 1); last = 0; }
      last = Math.max(last, e.t);
      times.push(offset + e.t);
    });
  })();
  var span = n ? times[n - 1] : 0;

  // One sentence about event i.
  function describe(i) {
    var e = events[i], c = e.chan, value = e.value ? e.value : 'a value';
    function fill() {
      if (e.capacity === 0) return '';
      return ' (buffer now ' + e.buffered + (e.capacity === null ? '' : '/' + e.capacity) + ')';
    }
    switch (e.kind) {
      case 'Begin': return 'Run ' + e.run + ' begins (seed ' + e.seed + ').';
      case 'Spawn': return e.parent + ' spawns ' + e.task + ': it is ready and runs in a later turn.';
      case 'Run': return 'The loop runs ' + e.task + ' until it waits again.';
      case 'Park':
        if (e.wait === 'timer') return e.task + ' sleeps: it waits on a timer.';
        return e.task + ' waits on ' + e.on + '.';
      case 'Yield': return e.task + ' yields: it is ready again and waits for its turn.';
      case 'Wake': return e.task + ' is ready: it will run in a later turn.';
      case 'Timer': return 'The timer of ' + e.task + ' fires.';
      case 'End':
        return e.task + (e.how === 'finished' ? ' ends.' : e.how === 'panicked' ? ' panics.' : ' is aborted.');
      case 'Enqueue': {
        var q = e.side === 'get' ? e.gets : e.puts;
        return e.task + ' queues a ' + e.side + ' on ' + c + ': ' + q.length + ' waiting ' + e.side + 's (' +
          q.map(short).join(', ') + ').';
      }
      case 'Withdraw': return e.task + ' withdraws its ' + e.side + ' from ' + c + '.';
      case 'Put': return e.task + ' puts ' + value + ' into ' + c + fill() + '.';
      case 'Get': return e.task + ' takes ' + value + ' from ' + c + fill() + '.';
      case 'Handoff': return e.to + ' takes ' + value + ' from ' + c + ', put by ' + e.from + ' (a hand-off).';
      case 'Close':
        return e.task + ' closes ' + c + (e.gets.length ? ': the ' + e.gets.length +
          ' waiting gets will complete with None.' : '.');
      case 'ClosedGet': return e.task + ' gets None from ' + c + ': it is closed and empty.';
      case 'Refused': return e.task + ' tries to put into ' + c + ': refused, the channel is closed (put returns false).';
    }
    return e.kind;
  }

  // Where event i happened in the source, if the trace knows.
  function site(i) {
    var e = events[i];
    if (e.at) return (e.kind === 'Spawn' ? 'spawned at ' : 'waits at ') + e.at;
    // The parties of a channel event that were parked in it say where they waited.
    var verb = e.kind === 'Run' ? ' resumes from its wait at ' : ' waited at ';
    return [e.from, e.to, e.task].filter(function (who) { return who && parkedAt[i][who]; })
      .map(function (who) { return short(who) + verb + parkedAt[i][who]; }).join(', ');
  }

  // ---- Drawing the lanes --------------------------------------------------------------------
  var LABEL = 130, TASK_H = 26, CHAN_H = 46, TOP = 24, PAD = 12;
  var axis = 'order';
  var timeline = document.getElementById('timeline');
  var svg, cursor, veil, highlight;
  function laneY(label) {
    if (label in taskIndex) return TOP + taskIndex[label] * TASK_H + TASK_H / 2;
    if (label in chanIndex) return TOP + tasks.length * TASK_H + PAD + chanIndex[label] * CHAN_H + CHAN_H / 2;
    return null;
  }
  var plotW = 0;
  function xOf(i) {
    if (axis === 'order') return LABEL + 8 + i * plotW / Math.max(n, 1);
    return LABEL + 8 + (span > 0 ? (i >= n ? span : times[i]) / span : 0) * plotW;
  }
  function el(name, attrs, parent, text) {
    var node = document.createElementNS(SVGNS, name);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  var FILL = { running: 'var(--run)', ready: '#fff', sleeping: 'var(--sleep)', finished: 'none',
    aborted: 'none', panicked: 'var(--panic)' };
  var WAIT = { chan: 'var(--chan)', select: 'var(--select)', join: 'var(--join)', sync: 'var(--sync)',
    io: 'var(--other)', other: 'var(--other)', timer: 'var(--sleep)' };
  function stateFill(st) { return st.s === 'parked' ? WAIT[st.wait] : FILL[st.s]; }

  function draw() {
    timeline.textContent = '';
    var avail = Math.max(timeline.clientWidth - 2, 500);
    plotW = Math.max(avail - LABEL - 24, axis === 'order' ? n * 7 : 0);
    var width = LABEL + plotW + 24;
    var height = TOP + tasks.length * TASK_H + PAD + chans.length * CHAN_H + 10;
    svg = el('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height });
    var defs = el('defs', {}, svg);
    ['#64748b', '#dc2626'].forEach(function (colour, k) {
      var m = el('marker', { id: 'head' + k, markerWidth: 7, markerHeight: 7, refX: 6, refY: 3.5, orient: 'auto' }, defs);
      el('path', { d: 'M0,0 L7,3.5 L0,7 z', fill: colour }, m);
    });
    // Time ticks.
    var g = el('g', {}, svg);
    var ticks = axis === 'time' ? niceTicks(span) : [];
    ticks.forEach(function (t) {
      var x = LABEL + 8 + (span > 0 ? t / span : 0) * plotW;
      el('line', { x1: x, y1: TOP - 6, x2: x, y2: height, stroke: '#f1f5f9' }, g);
      el('text', { x: x, y: 14, 'text-anchor': 'middle', fill: '#94a3b8' }, g, fmtTime(t));
    });
    if (axis === 'order') el('text', { x: LABEL + 8, y: 14, fill: '#94a3b8' }, g, 'event order \u2192');
    // Task lanes.
    tasks.forEach(function (t, k) {
      var y = TOP + k * TASK_H;
      el('text', { x: LABEL - 6, y: y + TASK_H / 2 + 4, 'text-anchor': 'end' }, svg, short(t));
      el('line', { x1: LABEL, y1: y + TASK_H / 2, x2: width - 10, y2: y + TASK_H / 2, stroke: '#e2e8f0' }, svg);
      bands[k].forEach(function (b) {
        var x1 = xOf(b.from), x2 = xOf(b.to), st = b.st;
        if (st.s === 'finished' || st.s === 'aborted') return;
        var r = el('rect', { x: x1, y: y + 4, width: Math.max(x2 - x1, 0.5), height: TASK_H - 8,
          fill: stateFill(st), stroke: st.s === 'ready' ? 'var(--run)' : 'none', 'stroke-width': 0.8 }, svg);
        el('title', {}, r, short(t) + ': ' + stateText(st));
      });
    });
    // Channel lanes: waiting puts above, the buffer in the middle, waiting gets below.
    chans.forEach(function (c, k) {
      var y = TOP + tasks.length * TASK_H + PAD + k * CHAN_H;
      el('rect', { x: 2, y: y + 2, width: width - 12, height: CHAN_H - 4, fill: '#fffbeb', stroke: '#fde68a' }, svg);
      el('text', { x: LABEL - 6, y: y + 16, 'text-anchor': 'end', 'font-weight': 'bold' }, svg, short(c));
      el('text', { x: LABEL - 6, y: y + 30, 'text-anchor': 'end', fill: '#92400e', 'font-size': 9 }, svg, 'puts\u2191 buf gets\u2193');
      chanSegs[k].forEach(function (s) {
        var x1 = xOf(s.from), w = Math.max(xOf(s.to) - x1, 0.5), st = s.c;
        if (st.puts.length) el('rect', { x: x1, y: y + 4, width: w, height: Math.min(st.puts.length * 3, 11), fill: '#fb923c' }, svg);
        if (st.buffered) {
          var frac = st.capacity ? st.buffered / st.capacity : Math.min(st.buffered / 8, 1);
          el('rect', { x: x1, y: y + CHAN_H / 2 - 5, width: w, height: Math.max(10 * frac, 2), fill: '#d97706' }, svg);
        }
        if (st.gets.length) el('rect', { x: x1, y: y + CHAN_H - 4 - Math.min(st.gets.length * 3, 11), width: w,
          height: Math.min(st.gets.length * 3, 11), fill: '#22c55e' }, svg);
        if (st.closed) el('rect', { x: x1, y: y + 2, width: w, height: CHAN_H - 4, fill: '#cbd5e1', opacity: 0.5 }, svg);
      });
    });
    // Marks and arrows.
    var marks = el('g', {}, svg);
    events.forEach(function (e, i) { mark(marks, e, i, false); });
    veil = el('rect', { x: 0, y: TOP - 4, width: 0, height: height, fill: '#fff', opacity: 0.6 }, svg);
    highlight = el('g', {}, svg);
    cursor = el('line', { x1: 0, y1: TOP - 8, x2: 0, y2: height, stroke: '#0ea5e9', 'stroke-width': 1.5 }, svg);
    timeline.appendChild(svg);
  }

  // Draws what event i shows in the lanes: spawns, ends, timers, moves of values, closes.
  function mark(g, e, i, current) {
    var x = xOf(i), colour = current ? '#dc2626' : '#64748b', head = current ? 'url(#head1)' : 'url(#head0)';
    var w = current ? 2.2 : 0.9, yc = e.chan !== undefined ? laneY(e.chan) : null;
    // From lane ya to lane yb, shifted dx to the side; a dot marks where the value comes from.
    function arrow(ya, yb, dx, dashed) {
      if (ya === null || yb === null) return;
      el('line', { x1: x + dx, y1: ya, x2: x + dx, y2: yb + (yb > ya ? -3 : 3), stroke: colour, 'stroke-width': w,
        'marker-end': head, 'stroke-dasharray': dashed ? '3,2' : 'none' }, g);
      if (current) el('circle', { cx: x + dx, cy: ya, r: 3.5, fill: colour }, g);
    }
    function cross(y, c) { el('path', { d: 'M' + (x - 4) + ' ' + (y - 4) + ' l8 8 m0 -8 l-8 8', stroke: c, 'stroke-width': 2 }, g); }
    switch (e.kind) {
      case 'Handoff': arrow(laneY(e.from), yc, current ? -4 : 0, false); arrow(yc, laneY(e.to), current ? 4 : 2, false); break;
      case 'Put': arrow(laneY(e.task), yc, 0, false); break;
      case 'Get': arrow(yc, laneY(e.task), 0, false); break;
      case 'ClosedGet': arrow(yc, laneY(e.task), 0, true); break;
      case 'Refused': arrow(laneY(e.task), yc, 0, true); cross(yc, '#dc2626'); break;
      case 'Close': arrow(laneY(e.task), yc, 0, true); cross(yc, '#dc2626'); break;
      case 'Spawn': {
        var y = laneY(e.task);
        if (y !== null) el('path', { d: 'M' + (x - 4) + ' ' + (y - 6) + ' l8 6 l-8 6 z', fill: current ? colour : '#22c55e' }, g);
        break;
      }
      case 'End': {
        var ye = laneY(e.task);
        if (ye !== null) el('rect', { x: x - 2, y: ye - 7, width: 4, height: 14, fill: e.how === 'finished' ? '#111827' : '#dc2626' }, g);
        break;
      }
      case 'Timer': {
        var yt = laneY(e.task);
        if (yt !== null) el('circle', { cx: x, cy: yt, r: 3, fill: '#fff', stroke: '#4f46e5' }, g);
        break;
      }
      default:
        if (current && e.task && laneY(e.task) !== null) el('circle', { cx: x, cy: laneY(e.task), r: 4, fill: 'none', stroke: colour, 'stroke-width': 2 }, g);
        if (current && yc !== null && e.kind !== 'Begin') el('circle', { cx: x, cy: yc, r: 4, fill: 'none', stroke: colour, 'stroke-width': 2 }, g);
    }
  }

  function niceTicks(total) {
    if (!(total > 0)) return [0];
    var raw = total / 8, p = Math.pow(10, Math.floor(Math.log10(raw))), step = p;
    [1, 2, 5, 10].some(function (m) { step = m * p; return step >= raw; });
    var out = [];
    for (var t = 0; t <= total + 1e-9; t += step) out.push(t);
    return out;
  }
  function fmtTime(t) {
    if (t >= 1) return +t.toFixed(3) + 's';
    return +(t * 1000).toFixed(3) + 'ms';
  }

  function stateText(st) {
    switch (st.s) {
      case 'none': return 'not spawned yet';
      case 'ready': return 'ready: waits for its turn';
      case 'running': return 'running';
      case 'sleeping': return 'sleeps' + (st.at ? ' (' + st.at + ')' : '');
      case 'parked': return 'waits on ' + st.on + (st.at ? ' (' + st.at + ')' : '');
      case 'finished': return 'finished';
      case 'panicked': return 'panicked';
      case 'aborted': return 'aborted';
    }
    return st.s;
  }

  // ---- The state panel ----------------------------------------------------------------------
  var chanBox = document.getElementById('chans'), taskList = document.getElementById('tasks');
  var chanNodes = chans.map(function (c) {
    var d = document.createElement('div');
    d.className = 'chan';
    d.dataset.chan = short(c);
    d.dataset.label = c;
    chanBox.appendChild(d);
    return d;
  });
  var taskNodes = tasks.map(function (t) {
    var li = document.createElement('li');
    li.dataset.task = short(t);
    li.dataset.label = t;
    li.innerHTML = '<span class="dot"></span><span class="name"></span><span class="what"></span>';
    li.querySelector('.name').textContent = short(t);
    taskList.appendChild(li);
    return li;
  });
  function chips(cls, names) {
    var q = document.createElement('span');
    q.className = 'queue ' + cls;
    q.innerHTML = '<span class="none">' + cls + (names.length ? ':' : ': none') + '</span>';
    names.forEach(function (name) {
      var c = document.createElement('span');
      c.className = 'chip';
      c.textContent = short(name);
      q.appendChild(c);
    });
    return q;
  }
  function showChan(node, label, st) {
    st = st || { buffered: 0, capacity: null, puts: [], gets: [], closed: false, unknown: true };
    node.dataset.buffered = st.buffered;
    node.dataset.capacity = st.capacity === null ? 'unbounded' : st.capacity;
    node.dataset.puts = st.puts.length;
    node.dataset.gets = st.gets.length;
    node.dataset.closed = st.closed;
    node.classList.toggle('closed', st.closed);
    node.textContent = '';
    var title = document.createElement('div');
    title.className = 'chan-title';
    var kind = st.unknown ? 'not used yet' : st.capacity === 0 ? 'no buffer (rendezvous)' :
      'buffer ' + st.buffered + (st.capacity === null ? '' : ' of ' + st.capacity);
    title.textContent = label + ' \u2014 ' + kind + (st.closed ? ', closed' : '');
    node.appendChild(title);
    var pipe = document.createElement('div');
    pipe.className = 'pipe';
    pipe.title = 'waiting puts \u2192 buffer \u2192 waiting gets';
    pipe.appendChild(chips('puts', st.puts));
    pipe.appendChild(arrowText());
    var slots = document.createElement('span');
    slots.className = 'slots';
    if (st.capacity === 0) {
      slots.innerHTML = '<span class="rendezvous">hand-off</span>';
    } else {
      var shown = st.capacity === null ? Math.max(st.buffered, 1) : Math.min(st.capacity, 16);
      for (var s = 0; s < shown; s++) {
        var b = document.createElement('span');
        b.className = 'slot' + (s < st.buffered ? ' full' : '');
        slots.appendChild(b);
      }
      if (st.capacity !== null && st.capacity > 16) slots.appendChild(document.createTextNode('\u2026'));
    }
    pipe.appendChild(slots);
    pipe.appendChild(arrowText());
    pipe.appendChild(chips('gets', st.gets));
    node.appendChild(pipe);
  }
  function arrowText() {
    var a = document.createElement('span');
    a.className = 'arrow';
    a.textContent = '\u2192';
    return a;
  }

  // ---- Stepping -----------------------------------------------------------------------------
  var step = 0, timer = null;
  var stepNode = document.getElementById('step'), slider = document.getElementById('slider');
  document.getElementById('count').textContent = n ? n - 1 : 0;
  slider.max = Math.max(n - 1, 0);

  function show(i) {
    if (!n) { document.getElementById('event-desc').textContent = 'The trace is empty.'; return; }
    step = Math.max(0, Math.min(n - 1, i));
    stepNode.textContent = step;
    slider.value = step;
    var e = events[step];
    document.getElementById('event-desc').textContent = describe(step);
    document.getElementById('event-site').textContent = site(step);
    document.getElementById('clock').textContent = 'run ' + e.run + ', ' + fmtTime(e.t);
    taskStates[step].forEach(function (st, k) {
      var li = taskNodes[k];
      li.dataset.state = st.s;
      li.dataset.wait = st.wait || '';
      li.querySelector('.dot').className = 'dot ' + (st.s === 'parked' ? 'w-' + st.wait : st.s);
      li.querySelector('.what').textContent = stateText(st);
      li.classList.toggle('current', e.task === tasks[k] || e.to === tasks[k] || e.from === tasks[k]);
    });
    chanStates[step].forEach(function (st, k) { showChan(chanNodes[k], chans[k], st); });
    var x = xOf(step);
    cursor.setAttribute('x1', x);
    cursor.setAttribute('x2', x);
    veil.setAttribute('x', x + 3);
    veil.setAttribute('width', Math.max(+svg.getAttribute('width') - x - 3, 0));
    highlight.textContent = '';
    mark(highlight, e, step, true);
    if (x < timeline.scrollLeft + LABEL || x > timeline.scrollLeft + timeline.clientWidth - 40) {
      timeline.scrollLeft = Math.max(x - timeline.clientWidth / 2, 0);
    }
    if (history.replaceState) history.replaceState(null, '', '#step=' + step + (axis === 'time' ? '&axis=time' : ''));
  }
  function play(on) {
    if (on && !timer) {
      if (step >= n - 1) show(0);
      timer = setInterval(function () { if (step >= n - 1) play(false); else show(step + 1); }, 450);
    } else if (!on && timer) {
      clearInterval(timer);
      timer = null;
    }
    document.getElementById('play').textContent = timer ? '\u23F8 pause' : '\u25B6 play';
    document.body.dataset.playing = !!timer;
  }
  function hashStep() {
    var m = /step=(\d+)/.exec(location.hash);
    return m ? +m[1] : 0;
  }
  document.getElementById('first').onclick = function () { play(false); show(0); };
  document.getElementById('prev').onclick = function () { play(false); show(step - 1); };
  document.getElementById('next').onclick = function () { play(false); show(step + 1); };
  document.getElementById('last').onclick = function () { play(false); show(n - 1); };
  document.getElementById('play').onclick = function () { play(!timer); };
  slider.oninput = function () { play(false); show(+slider.value); };
  document.getElementById('axis').onchange = function (ev) { axis = ev.target.value; draw(); show(step); };
  document.addEventListener('keydown', function (ev) {
    var tag = ev.target.tagName;
    if (tag === 'INPUT' || tag === 'SELECT' || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var handled = true;
    if (ev.key === 'ArrowRight') { play(false); show(step + 1); }
    else if (ev.key === 'ArrowLeft') { play(false); show(step - 1); }
    else if (ev.key === ' ' || ev.key === 'Spacebar') play(!timer);
    else if (ev.key === 'Home') { play(false); show(0); }
    else if (ev.key === 'End') { play(false); show(n - 1); }
    else handled = false;
    if (handled) ev.preventDefault();
  });
  window.addEventListener('hashchange', function () { if (hashStep() !== step) show(hashStep()); });
  window.addEventListener('resize', function () { draw(); show(step); });

  // The key to the colours.
  var legend = document.getElementById('legend');
  [['running', 'running'], ['ready', 'ready (waits for its turn)'], ['w-chan', 'waits on a channel'],
    ['w-select', 'waits in a select'], ['sleeping', 'sleeps'], ['w-join', 'joins a task'],
    ['w-sync', 'waits on a lock'], ['panicked', 'panicked']].forEach(function (p) {
    var s = document.createElement('span');
    s.innerHTML = '<span class="dot ' + p[0] + '"></span>' + p[1];
    legend.appendChild(s);
  });
  var keys = document.createElement('span');
  keys.innerHTML = '<kbd>\u2190</kbd> <kbd>\u2192</kbd> step, <kbd>space</kbd> play / pause, ' +
    'orange bar: waiting puts, amber: buffer, green: waiting gets';
  legend.appendChild(keys);

  // `#step=12&axis=time` opens at step 12 on the virtual time axis.
  if (/axis=time/.test(location.hash)) axis = document.getElementById('axis').value = 'time';
  draw();
  show(hashStep());
})();
