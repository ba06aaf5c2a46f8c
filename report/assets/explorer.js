/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page script of nettrail's HTML report and lab sheet (compiled into nettrail, inline in
 * the page: no network, opens from disk). Every table sorts by a click on its header; where
 * the page has the explorer's data (the JSON block #nx-data, report/explorer.c), it draws the
 * timeline of every packet's hops and the IRQ/softirq intervals on one time axis, filters the
 * packets from the report's tables (and its own, by lifetime and by flow) and shows one
 * packet's hops. Trace strings are data: they reach the page through textContent and canvas
 * fillText only, never as markup.
 */
'use strict';
(function () {
	/* ---- sortable tables ---- */
	function key(td) {
		var t = td ? td.textContent.trim() : '';
		var n = Number(t);
		if (t === '' || t === '–' || t === '-') return null;
		return isNaN(n) ? t : n;
	}
	function cmpKeys(a, b) {
		if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
		if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
		return a < b ? -1 : a > b ? 1 : 0;
	}
	function sortable(table) {
		var head = table.rows[0];
		if (!head || !head.cells.length || head.cells[0].tagName !== 'TH') return;
		Array.prototype.forEach.call(head.cells, function (th, c) {
			th.classList.add('sortable');
			th.tabIndex = 0;
			th.title = 'sort by this column';
			function go() {
				var desc = th.classList.contains('asc');
				Array.prototype.forEach.call(head.cells, function (h) {
					h.classList.remove('asc', 'desc');
				});
				th.classList.add(desc ? 'desc' : 'asc');
				var rows = Array.prototype.slice.call(table.rows, 1).filter(function (r) {
					return r.cells.length === head.cells.length;
				});
				rows.sort(function (a, b) {
					var r = cmpKeys(key(a.cells[c]), key(b.cells[c]));
					return desc ? -r : r;
				});
				var body = rows.length ? rows[0].parentNode : null;
				rows.forEach(function (r) { body.appendChild(r); });
			}
			th.addEventListener('click', go);
			th.addEventListener('keydown', function (e) { if (e.key === 'Enter') go(); });
		});
	}
	Array.prototype.forEach.call(document.querySelectorAll('table'), function (t) {
		if (!t.classList.contains('nx-own')) sortable(t);
	});

	/* ---- the explorer's data ---- */
	var data = document.getElementById('nx-data');
	if (!data) return;
	var D = JSON.parse(data.textContent);
	var S = D.s, P = D.p, H = D.h, Q = D.q, NST = D.stages.length;
	var np = P.id.length, nq = Q.st.length, ntr = D.tr.id.length;
	function str(i) { return i >= 0 ? S[i] : ''; }
	function undelta(st, tr) {
		var o = new Float64Array(st.length);
		for (var i = 0; i < st.length; i++)
			o[i] = (i && tr[i] === tr[i - 1] ? o[i - 1] : 0) + st[i];
		return o;
	}
	var pst = undelta(P.st, P.tr), qst = undelta(Q.st, Q.tr);
	var h0 = new Int32Array(np + 1);
	for (var i = 0; i < np; i++) h0[i + 1] = h0[i] + P.nh[i];
	var pend = new Float64Array(np); /* last moment of a packet (its end, or its last hop) */
	for (i = 0; i < np; i++) {
		var e = P.du[i] >= 0 ? P.du[i] : 0;
		if (P.nh[i]) e = Math.max(e, H.dt[h0[i + 1] - 1]);
		pend[i] = pst[i] + e;
	}
	/* the stage times (ns since the start, -1: none): the first hop of each stage */
	var stageOf = S.map(function (x) { return D.stages.indexOf(x); });
	var sgT = new Float64Array(np * NST).fill(-1);
	for (i = 0; i < np; i++)
		for (var j = h0[i]; j < h0[i + 1]; j++) {
			var s = H.sg[j] >= 0 ? stageOf[H.sg[j]] : -1;
			if (s >= 0 && sgT[i * NST + s] < 0) sgT[i * NST + s] = H.dt[j];
		}
	var comms = new Map();
	for (i = 0; i < D.k.pid.length; i++) comms.set(D.k.tr[i] + ':' + D.k.pid[i], S[D.k.comm[i]]);
	function task(tr, k) {
		var pid = H.pids[k], c = comms.get(tr + ':' + pid);
		return pid === 0 ? 'idle (0)' : (c !== undefined ? c : '?') + ' (' + pid + ')';
	}
	function $(id) { return document.getElementById(id); }
	function fmt(ns) {
		var a = Math.abs(ns);
		if (a < 1e3) return ns.toFixed(0) + ' ns';
		if (a < 1e6) return (ns / 1e3).toFixed(3) + ' µs';
		if (a < 1e9) return (ns / 1e6).toFixed(3) + ' ms';
		return (ns / 1e9).toFixed(6) + ' s';
	}
	var STAGE_COL = {alloc: '#4e79a7', queue: '#f28e2b', xmit: '#e15759', receive: '#76b7b2',
		copy: '#59a14f', free: '#b07aa1'};
	var OTHER = '#9a9a9a', HARD = '#c0392b', SOFT = '#8e44ad', DROP = '#000';
	function hopColor(j) { var s = str(H.sg[j]); return STAGE_COL[s] || OTHER; }

	/* ---- the page's notes: what the data holds, and what is sampled ---- */
	function notes() {
		var t = [];
		if (D.stride > 1)
			t.push('SAMPLED: the report has ' + D.total + ' packets, more than the explorer\'s ' +
				D.limit + '; it carries every ' + D.stride + '-th packet' +
				(D.all_drops ? ' and all ' + D.drops + ' dropped ones' : '') + ', ' + np +
				' in all. The report\'s tables count every packet; the explorer\'s counts below are of the sample.');
		else
			t.push('All ' + np + ' packets of the report (under its filters), with their ' +
				H.dt.length + ' hops.');
		if (D.qtotal > nq)
			t.push('IRQ/softirq intervals: the first ' + nq + ' of ' + D.qtotal +
				' in time order are drawn (limit ' + D.qlimit + '); later ones are not.');
		else
			t.push(nq + ' IRQ/softirq intervals.');
		var n = $('nx-note');
		n.textContent = t.join(' ');
		n.className = D.stride > 1 || D.qtotal > nq ? 'alert' : 'note';
		var lg = $('nx-legend');
		lg.textContent = '';
		var items = D.stages.map(function (s) { return [s, STAGE_COL[s]]; }).concat(
			[['other event', OTHER], ['hard IRQ', HARD], ['softirq', SOFT], ['drop', DROP]]);
		items.forEach(function (x) {
			var s = document.createElement('span'), sw = document.createElement('i');
			sw.style.background = x[1];
			s.appendChild(sw);
			s.appendChild(document.createTextNode(x[0]));
			lg.appendChild(s);
		});
	}

	/* ---- the filter ---- */
	var match = new Uint8Array(np).fill(1), filterLabel = '', nmatch = np;
	function setFilter(label, fn) {
		filterLabel = label;
		nmatch = 0;
		for (var p = 0; p < np; p++) nmatch += (match[p] = fn ? (fn(p) ? 1 : 0) : 1);
		$('nx-clear').hidden = !fn;
		listPackets();
		draw();
	}
	function stageLat(p, a) {
		var x = sgT[p * NST + a], y = sgT[p * NST + a + 1];
		return x >= 0 && y >= 0 ? y - x : NaN; /* may be negative: events out of order */
	}
	function out(p) { return str(P.out[p]); }
	/* the packet's flow as the report's flow tables name it; null: no flow known */
	function flow(p) { return P.fl[p] >= 0 ? S[P.fl[p]] : null; }
	var NOFLOW = 'no flow known';
	function flowText(p) {
		if (P.fl[p] < 0) return NOFLOW;
		return 'flow ' + S[P.fl[p]] + (P.tf[p] >= 0 ? ' [' + S[P.tf[p]] + ']' : '') +
			(P.ff[p] >= 0 ? ' (from ' + S[P.ff[p]] + ')' : '');
	}
	function flowIs(v) { return function (p) { return v === null ? P.fl[p] < 0 : flow(p) === v; }; }
	/* the report's tables: which columns filter, and how */
	var HOOKS = {
		skb_drops: {
			reason: function (v) { return function (p) { return out(p) === 'dropped' && str(P.rs[p]) === v; }; },
			location: function (v) { return function (p) { return out(p) === 'dropped' && str(P.loc[p]) === v; }; }
		},
		skb_outcomes: {outcome: function (v) { return function (p) { return out(p) === v; }; }},
		skb_frees: {
			outcome: function (v) { return function (p) { return out(p) === v; }; },
			location: function (v) { return function (p) { return out(p) !== 'dropped' && str(P.loc[p]) === v; }; }
		},
		net_devices: {dev: function (v) { return function (p) { return str(P.dev[p]) === v || str(P.rdev[p]) === v; }; }},
		skb_flows: {flow: flowIs}
	};
	function hookTable(id, cols) {
		var t = $('t-' + id);
		if (!t || !t.rows.length) return;
		var head = Array.prototype.map.call(t.rows[0].cells, function (c) { return c.textContent; });
		Array.prototype.slice.call(t.rows, 1).forEach(function (r) {
			head.forEach(function (h, c) {
				var td = r.cells[c];
				if (!td || r.cells.length !== head.length) return;
				var mk = cols(h, r, c, head);
				if (!mk) return;
				td.classList.add('nx-link');
				td.tabIndex = 0;
				td.title = 'show these packets in the explorer';
				function go() {
					setFilter(mk[0], mk[1]);
					$('nx-packets').scrollIntoView();
				}
				td.addEventListener('click', go);
				td.addEventListener('keydown', function (e) { if (e.key === 'Enter') go(); });
			});
		});
	}
	function stageCols(h, r, c, head) {
		var a = D.stages.indexOf(r.cells[0].textContent), b = D.stages.indexOf(r.cells[1].textContent);
		if (a < 0 || b !== a + 1) return null;
		var pair = D.stages[a] + ' → ' + D.stages[b];
		if (h === 'from_stage' || h === 'to_stage' || h === 'count')
			return ['stage ' + pair + ' (not lossy)', function (p) { return !P.lossy[p] && !isNaN(stageLat(p, a)); }];
		var k = ['min_us', 'p50_us', 'p90_us', 'p99_us', 'max_us'].indexOf(h);
		if (k < 0) return null;
		var hi = Number(r.cells[c].textContent), lo = k ? Number(r.cells[c - 1].textContent) : hi;
		var incl = k === 0 || lo >= hi; /* one value: that value */
		return [pair + ' latency ' + (incl ? '= ' + hi : 'in ' + (k === 1 ? '[' : '(') + lo + ', ' + hi + ']') + ' µs',
			function (p) {
				var l = P.lossy[p] ? NaN : stageLat(p, a);
				if (isNaN(l)) return false;
				l = Math.round(l) / 1e3;
				if (incl) return Math.abs(l - hi) < 5e-4;
				return (k === 1 ? l >= lo - 5e-4 : l > lo + 5e-4) && l <= hi + 5e-4; /* p50: from min */
			}];
	}
	function hookTables() {
		Object.keys(HOOKS).forEach(function (id) {
			hookTable(id, function (h, r, c) {
				var f = HOOKS[id][h], v = r.cells[c].textContent;
				return f ? [h + ' ' + v, f(v)] : null;
			});
		});
		hookTable('skb_stages', stageCols);
	}

	/* ---- packets by lifetime (latency ranges) ---- */
	var BINS = [[0, 1e3, '< 1 µs'], [1e3, 1e4, '1–10 µs'], [1e4, 1e5, '10–100 µs'],
		[1e5, 1e6, '100 µs–1 ms'], [1e6, 1e7, '1–10 ms'], [1e7, Infinity, '≥ 10 ms']];
	function lifetimes() {
		var t = $('nx-lat'), n = BINS.map(function () { return [0, 0]; }), open = [0, 0];
		for (var p = 0; p < np; p++) {
			var c = open, d = P.du[p];
			for (var b = 0; d >= 0 && b < BINS.length; b++)
				if (d >= BINS[b][0] && d < BINS[b][1]) c = n[b];
			c[0]++;
			c[1] += out(p) === 'dropped';
		}
		t.textContent = '';
		t.createCaption().textContent = 'Lifetime (first to last event) of the packets; click a range to list them';
		var hr = t.insertRow();
		['lifetime', 'packets', 'dropped'].forEach(function (h) {
			var th = document.createElement('th');
			th.textContent = h;
			hr.appendChild(th);
		});
		BINS.concat([[-1, -1, 'open (no end)']]).forEach(function (b, i) {
			var c = i < BINS.length ? n[i] : open, r = t.insertRow();
			[b[2], c[0], c[1]].forEach(function (v, k) {
				var td = r.insertCell();
				td.textContent = v;
				if (k) td.className = 'n';
			});
			r.cells[0].className = 'nx-link';
			r.cells[0].addEventListener('click', function () {
				setFilter('lifetime ' + b[2], function (p) {
					var d = P.du[p];
					return b[0] < 0 ? d < 0 : d >= b[0] && d < b[1];
				});
			});
		});
	}

	/* ---- packets by flow ---- */
	var FLOW_MAX = 200;
	function flows() {
		var t = $('nx-flows'), m = new Map(), none = [0, 0];
		for (var p = 0; p < np; p++) {
			var c = none;
			if (P.fl[p] >= 0) {
				c = m.get(P.fl[p]);
				if (!c) m.set(P.fl[p], c = [0, 0]);
			}
			c[0]++;
			c[1] += out(p) === 'dropped';
		}
		var all = Array.from(m.keys()).map(function (k) { return [S[k], m.get(k)]; });
		all.sort(function (a, b) { return b[1][0] - a[1][0] || cmpKeys(a[0], b[0]); });
		var rows = all.slice(0, FLOW_MAX);
		if (none[0]) rows.push([null, none]);
		t.textContent = '';
		t.createCaption().textContent = 'Packets per flow (addresses and ports where the trace ' +
			'proves them); click a flow to list its packets' + (all.length > FLOW_MAX ?
			'. The ' + FLOW_MAX + ' busiest of ' + all.length + ' flows are listed' : '');
		var hr = t.insertRow();
		['flow', 'packets', 'dropped'].forEach(function (h) {
			var th = document.createElement('th');
			th.textContent = h;
			hr.appendChild(th);
		});
		rows.forEach(function (f) {
			var r = t.insertRow();
			[f[0] === null ? NOFLOW : f[0], f[1][0], f[1][1]].forEach(function (v, k) {
				var td = r.insertCell();
				td.textContent = v;
				if (k) td.className = 'n';
			});
			var td = r.cells[0];
			td.className = 'nx-link';
			td.tabIndex = 0;
			td.title = 'show these packets';
			function go() {
				setFilter(f[0] === null ? NOFLOW : 'flow ' + f[0], flowIs(f[0]));
				$('nx-packets').scrollIntoView();
			}
			td.addEventListener('click', go);
			td.addEventListener('keydown', function (e) { if (e.key === 'Enter') go(); });
		});
		sortable(t);
	}

	/* ---- the packet list ---- */
	var LIST_MAX = 500, sortCol = -1, sortDesc = false;
	var COLS = [
		['trace', function (p) { return D.tr.id[P.tr[p]]; }],
		['skb', function (p) { return P.id[p]; }],
		['start (ms)', function (p) { return +(pst[p] / 1e6).toFixed(6); }],
		['lifetime (µs)', function (p) { return P.du[p] < 0 ? null : +(P.du[p] / 1e3).toFixed(3); }],
		['device', function (p) { return str(P.dev[p] >= 0 ? P.dev[p] : P.rdev[p]); }],
		['len', function (p) { return P.len[p] < 0 ? null : P.len[p]; }],
		['outcome', out],
		['reason', function (p) { return str(P.rs[p]); }],
		['location', function (p) { return str(P.loc[p]); }],
		['task', function (p) { return str(P.comm[p]); }],
		['hops', function (p) { return P.nh[p]; }],
		['flow', flow]
	];
	function listPackets() {
		var idx = [];
		for (var p = 0; p < np; p++) if (match[p]) idx.push(p);
		if (sortCol >= 0) {
			var f = COLS[sortCol][1];
			idx.sort(function (a, b) {
				var r = cmpKeys(f(a), f(b));
				return sortDesc ? -r : r;
			});
		}
		var cnt = $('nx-count');
		cnt.dataset.count = idx.length;
		cnt.textContent = idx.length + ' packet' + (idx.length === 1 ? '' : 's') +
			(filterLabel ? ' with ' + filterLabel : ' (no filter)');
		var t = $('nx-list');
		t.textContent = '';
		var hr = t.insertRow();
		COLS.forEach(function (c, k) {
			var th = document.createElement('th');
			th.textContent = c[0];
			th.className = 'sortable' + (k === sortCol ? (sortDesc ? ' desc' : ' asc') : '');
			th.addEventListener('click', function () {
				sortDesc = sortCol === k ? !sortDesc : false;
				sortCol = k;
				listPackets();
			});
			hr.appendChild(th);
		});
		idx.slice(0, LIST_MAX).forEach(function (p) {
			var r = t.insertRow();
			r.className = 'nx-row' + (p === selected ? ' nx-sel' : '');
			r.dataset.p = p;
			COLS.forEach(function (c) {
				var v = c[1](p), td = r.insertCell();
				td.textContent = v === null || v === '' ? '–' : v;
				if (typeof v === 'number') td.className = 'n';
			});
			r.addEventListener('click', function () { showPacket(p, true); });
		});
		$('nx-more').textContent = idx.length > LIST_MAX ? 'The first ' + LIST_MAX + ' of ' +
			idx.length + ' are listed; sort or filter to see others.' : '';
	}

	/* ---- the timeline ---- */
	var cv = $('nx-tl'), ctx = cv.getContext('2d'), tip = $('nx-tip');
	var GUT = 96, cur = 0, lanes = null, v0 = 0, v1 = 1, W = 0, selected = -1;
	var trSel = $('nx-trace'), laneSel = $('nx-lanes');
	function traceSpan() {
		var a = Infinity, b = -Infinity;
		for (var p = 0; p < np; p++)
			if (P.tr[p] === cur) { a = Math.min(a, pst[p]); b = Math.max(b, pend[p]); }
		for (var q = 0; q < nq; q++)
			if (Q.tr[q] === cur) { a = Math.min(a, qst[q]); b = Math.max(b, qst[q] + Q.du[q]); }
		if (a === Infinity) { a = 0; b = 1; }
		if (b - a < 1e3) b = a + 1e3;
		var m = (b - a) * 0.01;
		return [a - m, b + m];
	}
	/* The lanes: per CPU (IRQ bands over the packets' band) or per device (IRQ lanes below). */
	var MAXL = 64;
	function layout() {
		var cpus = new Set(), devs = new Set(), byDev = laneSel.value === 'dev';
		for (var p = 0; p < np; p++) {
			if (P.tr[p] !== cur) continue;
			for (var j = h0[p]; j < h0[p + 1]; j++) {
				cpus.add(H.cpu[j]);
				devs.add(hopDev(j, p));
			}
		}
		for (var q = 0; q < nq; q++) if (Q.tr[q] === cur) cpus.add(Q.cpu[q]);
		var cl = Array.from(cpus).sort(function (a, b) { return a - b; });
		var dl = Array.from(devs).sort();
		function group(list, name) { /* more than MAXL: neighbours share a lane (said in its name) */
			var g = Math.ceil(list.length / MAXL) || 1, m = new Map(), names = [];
			list.forEach(function (v, i) {
				m.set(v, Math.floor(i / g));
				if (i % g === 0) names.push(name(v));
				else names[names.length - 1] = names[names.length - 1].split('–')[0] + '–' + v;
			});
			return {map: m, names: names};
		}
		var C = group(cl, function (c) { return 'cpu ' + c; });
		var L = {cpu: C, byDev: byDev, rows: [], h: 0};
		if (byDev) {
			L.dev = group(dl, function (d) { return d; });
			L.dev.names.forEach(function (n) { L.rows.push({name: n, y: L.h, h: 20, pk: [L.h + 3, 14]}); L.h += 20; });
			L.irq0 = L.rows.length;
			C.names.forEach(function (n) {
				L.rows.push({name: n + ' irq', y: L.h, h: 14, hard: [L.h + 1, 6], soft: [L.h + 7, 6]});
				L.h += 14;
			});
		} else {
			C.names.forEach(function (n) {
				L.rows.push({name: n, y: L.h, h: 30, hard: [L.h + 2, 6], soft: [L.h + 8, 6], pk: [L.h + 15, 13]});
				L.h += 30;
			});
			L.irq0 = 0;
		}
		L.h += 22; /* the time axis */
		return L;
	}
	function hopDev(j, p) {
		var d = H.dev[j] >= 0 ? H.dev[j] : P.dev[p] >= 0 ? P.dev[p] : P.rdev[p];
		return d >= 0 ? S[d] : '?';
	}
	function hopRow(j, p) {
		return lanes.byDev ? lanes.rows[lanes.dev.map.get(hopDev(j, p))] : lanes.rows[lanes.cpu.map.get(H.cpu[j])];
	}
	function irqRow(q) { return lanes.rows[lanes.irq0 + lanes.cpu.map.get(Q.cpu[q])]; }
	function X(t) { return GUT + (t - v0) * (W - GUT) / (v1 - v0); }
	/* Spans narrower than a pixel are counted per pixel column and drawn as one (aggregation). */
	function Agg() { this.m = new Map(); }
	Agg.prototype.add = function (band, x, color) {
		var k = band[0] + ':' + color, a = this.m.get(k);
		if (!a) { a = {band: band, color: color, n: new Uint16Array(W + 1)}; this.m.set(k, a); }
		var i = Math.max(0, Math.min(W, x | 0));
		if (a.n[i] < 65535) a.n[i]++;
	};
	Agg.prototype.draw = function () {
		this.m.forEach(function (a) {
			ctx.fillStyle = a.color;
			for (var i = GUT; i <= W; i++)
				if (a.n[i]) {
					ctx.globalAlpha = Math.min(1, 0.35 + a.n[i] / 6);
					ctx.fillRect(i, a.band[0], 1, a.band[1]);
				}
		});
		ctx.globalAlpha = 1;
	};
	function span(agg, band, a, b, color) {
		var x0 = X(a), x1 = X(b);
		if (x1 < GUT || x0 > W) return;
		x0 = Math.max(x0, GUT);
		x1 = Math.min(x1, W);
		if (x1 - x0 < 1) agg.add(band, x0, color);
		else { ctx.fillStyle = color; ctx.fillRect(x0, band[0], x1 - x0, band[1]); }
	}
	function drawIrqs(agg) {
		for (var q = 0; q < nq; q++) {
			if (Q.tr[q] !== cur || qst[q] > v1 || qst[q] + Q.du[q] < v0) continue;
			var r = irqRow(q);
			span(agg, Q.soft[q] ? r.soft : r.hard, qst[q], qst[q] + Q.du[q], Q.soft[q] ? SOFT : HARD);
		}
	}
	function drawPackets(agg, on) {
		for (var p = 0; p < np; p++) {
			if (P.tr[p] !== cur || pst[p] > v1 || pend[p] < v0 || !match[p] !== !on) continue;
			for (var j = h0[p]; j < h0[p + 1]; j++) {
				var r = hopRow(j, p), a = pst[p] + H.dt[j];
				var b = j + 1 < h0[p + 1] ? pst[p] + H.dt[j + 1] : a;
				var c = on ? hopColor(j) : '#d8d8d8';
				if (on && j + 1 === h0[p + 1] && out(p) === 'dropped') c = DROP;
				span(agg, r.pk, a, b, c);
			}
		}
	}
	function drawAxis() {
		var y = lanes.h - 20, n = Math.max(2, Math.floor((W - GUT) / 120));
		ctx.fillStyle = '#333';
		ctx.fillRect(GUT, y, W - GUT, 1);
		ctx.font = '11px sans-serif';
		ctx.textAlign = 'center';
		for (var i = 0; i <= n; i++) {
			var t = v0 + (v1 - v0) * i / n, x = X(t);
			ctx.fillRect(x, y, 1, 4);
			ctx.fillText(fmt(t), Math.min(Math.max(x, GUT + 30), W - 40), y + 15);
		}
		ctx.textAlign = 'left';
	}
	function draw() {
		if (!lanes) return;
		var dpr = window.devicePixelRatio || 1;
		W = Math.max(300, $('nx-tlwrap').clientWidth);
		cv.width = W * dpr;
		cv.height = lanes.h * dpr;
		cv.style.height = lanes.h + 'px';
		ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
		ctx.fillStyle = '#fff';
		ctx.fillRect(0, 0, W, lanes.h);
		ctx.font = '11px sans-serif';
		lanes.rows.forEach(function (r, i) {
			ctx.fillStyle = i % 2 ? '#fafafa' : '#f1f3f6';
			ctx.fillRect(GUT, r.y, W - GUT, r.h);
			ctx.fillStyle = '#333';
			ctx.fillText(r.name.length > 14 ? r.name.slice(0, 13) + '…' : r.name, 4, r.y + r.h / 2 + 4);
		});
		var agg = new Agg();
		drawIrqs(agg);
		if (filterLabel) drawPackets(agg, false);
		drawPackets(agg, true);
		agg.draw();
		if (selected >= 0 && P.tr[selected] === cur) {
			ctx.strokeStyle = '#000';
			ctx.lineWidth = 2;
			var x0 = X(pst[selected]), x1 = X(pend[selected]);
			ctx.strokeRect(x0 - 2, 0, Math.max(4, x1 - x0 + 4), lanes.h - 22);
			ctx.lineWidth = 1;
		}
		drawAxis();
		var rg = $('nx-range');
		rg.textContent = 'shown: ' + fmt(v0) + ' to ' + fmt(v1) + ' (' + fmt(v1 - v0) + ')';
		rg.dataset.span = v1 - v0;
		if (!draw.done) {
			draw.done = true;
			if (window.performance && performance.mark) performance.mark('nx-first-draw');
		}
	}
	function zoom(f, at) {
		var full = traceSpan(), w = (v1 - v0) * f;
		w = Math.max(100, Math.min(w, full[1] - full[0]));
		if (at === undefined) at = (v0 + v1) / 2;
		var r = (at - v0) / (v1 - v0);
		v0 = at - r * w;
		v1 = v0 + w;
		if (v0 < full[0]) { v0 = full[0]; v1 = v0 + w; }
		if (v1 > full[1]) { v1 = full[1]; v0 = v1 - w; }
		draw();
	}
	function timeAt(x) { return v0 + (x - GUT) * (v1 - v0) / (W - GUT); }
	/* What is under the pointer: a hop of a packet, or an interval, within 3 px. */
	function hit(x, y) {
		var t = timeAt(x), tol = 3 * (v1 - v0) / (W - GUT), best = null, bd = Infinity;
		function inBand(b) { return b && y >= b[0] - 1 && y <= b[0] + b[1] + 1; }
		for (var p = 0; p < np; p++) {
			if (P.tr[p] !== cur || !match[p] || pst[p] > t + tol || pend[p] < t - tol) continue;
			for (var j = h0[p]; j < h0[p + 1]; j++) {
				if (!inBand(hopRow(j, p).pk)) continue;
				var a = pst[p] + H.dt[j], b = j + 1 < h0[p + 1] ? pst[p] + H.dt[j + 1] : a;
				var d = t < a ? a - t : t > b ? t - b : 0;
				if (d <= tol && d < bd) { bd = d; best = {hop: j, p: p}; }
			}
		}
		for (var q = 0; q < nq; q++) {
			if (Q.tr[q] !== cur || qst[q] > t + tol || qst[q] + Q.du[q] < t - tol) continue;
			var r = irqRow(q);
			if (!inBand(Q.soft[q] ? r.soft : r.hard)) continue;
			var dq = t < qst[q] ? qst[q] - t : t > qst[q] + Q.du[q] ? t - qst[q] - Q.du[q] : 0;
			if (dq < bd) { bd = dq; best = {q: q}; }
		}
		return best;
	}
	function hopText(j, p) {
		var next = j + 1 < h0[p + 1] ? H.dt[j + 1] - H.dt[j] : -1;
		return [str(H.ev[j]) + (H.sg[j] >= 0 ? ' (' + str(H.sg[j]) + ')' : ''),
			'time ' + fmt(pst[p] + H.dt[j]) + ' (+' + fmt(H.dt[j]) + ' in the packet)',
			'CPU ' + H.cpu[j] + ', task ' + task(P.tr[p], H.pid[j]),
			'device ' + hopDev(j, p) + (H.len[j] >= 0 ? ', len ' + H.len[j] + ' B' : ''),
			next >= 0 ? 'next hop after ' + fmt(next) : 'last hop',
			'skb ' + P.id[p] + ': ' + out(p) + (P.rs[p] >= 0 ? ' ' + str(P.rs[p]) : ''),
			flowText(p)].join('\n');
	}
	function irqText(q) {
		return [str(Q.name[q]), 'CPU ' + Q.cpu[q], 'start ' + fmt(qst[q]), 'length ' + fmt(Q.du[q])].join('\n');
	}
	var drag = null;
	cv.addEventListener('mousedown', function (e) { drag = {x: e.offsetX, v0: v0, v1: v1, moved: false}; });
	window.addEventListener('mouseup', function (e) {
		if (drag && !drag.moved && e.target === cv) {
			var h = hit(e.offsetX, e.offsetY);
			if (h && h.p !== undefined) showPacket(h.p, false);
		}
		drag = null;
	});
	cv.addEventListener('mousemove', function (e) {
		if (drag) {
			var dt = (e.offsetX - drag.x) * (drag.v1 - drag.v0) / (W - GUT);
			if (Math.abs(e.offsetX - drag.x) > 2) drag.moved = true;
			var full = traceSpan(), w = drag.v1 - drag.v0;
			v0 = Math.max(full[0], Math.min(drag.v0 - dt, full[1] - w));
			v1 = v0 + w;
			draw();
			return;
		}
		var h = hit(e.offsetX, e.offsetY);
		tip.hidden = !h;
		if (!h) return;
		tip.textContent = h.q !== undefined ? irqText(h.q) : hopText(h.hop, h.p);
		tip.style.left = Math.min(e.offsetX + 12, W - 260) + 'px';
		tip.style.top = (e.offsetY + 14) + 'px';
	});
	cv.addEventListener('mouseleave', function () { tip.hidden = true; });
	cv.addEventListener('wheel', function (e) {
		e.preventDefault();
		zoom(e.deltaY < 0 ? 0.8 : 1.25, Math.max(v0, timeAt(e.offsetX)));
	}, {passive: false});
	$('nx-zin').addEventListener('click', function () { zoom(0.5); });
	$('nx-zout').addEventListener('click', function () { zoom(2); });
	$('nx-zall').addEventListener('click', function () { var f = traceSpan(); v0 = f[0]; v1 = f[1]; draw(); });
	$('nx-clear').addEventListener('click', function () { setFilter('', null); });
	laneSel.addEventListener('change', function () { lanes = layout(); draw(); });
	trSel.addEventListener('change', function () { showTrace(Number(trSel.value)); });
	window.addEventListener('resize', function () { draw(); if (selected >= 0) waterfall(selected); });
	function showTrace(t) {
		cur = t;
		lanes = layout();
		var f = traceSpan();
		v0 = f[0];
		v1 = f[1];
		draw();
	}

	/* ---- one packet: its waterfall and its hops ---- */
	function showPacket(p, scroll) {
		selected = p;
		Array.prototype.forEach.call($('nx-list').rows, function (r) {
			r.classList.toggle('nx-sel', Number(r.dataset.p) === p);
		});
		if (P.tr[p] !== cur) { trSel.value = P.tr[p]; showTrace(P.tr[p]); } else draw();
		$('nx-ptitle').textContent = 'skb ' + P.id[p] + ' (trace ' + D.tr.id[P.tr[p]] + '): ' +
			out(p) + (P.rs[p] >= 0 ? ' (' + str(P.rs[p]) + ')' : '') +
			(P.loc[p] >= 0 ? ' at ' + str(P.loc[p]) : '') + ', device ' +
			(str(P.dev[p]) || str(P.rdev[p]) || '?') + (P.len[p] >= 0 ? ', ' + P.len[p] + ' B' : '') +
			', started at ' + fmt(pst[p]) + (P.du[p] >= 0 ? ', lived ' + fmt(P.du[p]) : ', no end') +
			'; ' + flowText(p) + (P.lossy[p] ? '; LOSSY: it overlaps lost events' : '');
		waterfall(p);
		hopTable(p);
		if (scroll) $('nx-packet').scrollIntoView();
	}
	function waterfall(p) {
		var c = $('nx-wf'), g = c.getContext('2d'), n = P.nh[p], dpr = window.devicePixelRatio || 1;
		var w = Math.max(300, c.clientWidth), rh = 18, h = n * rh + 26, L = 200;
		c.width = w * dpr;
		c.height = h * dpr;
		c.style.height = h + 'px';
		g.setTransform(dpr, 0, 0, dpr, 0, 0);
		g.fillStyle = '#fff';
		g.fillRect(0, 0, w, h);
		var end = n ? H.dt[h0[p] + n - 1] : 1, sc = (w - L - 10) / Math.max(end, 1);
		g.font = '11px sans-serif';
		for (var k = 0; k < n; k++) {
			var j = h0[p] + k, a = H.dt[j], b = k + 1 < n ? H.dt[j + 1] : a, y = k * rh;
			g.fillStyle = k % 2 ? '#fafafa' : '#f1f3f6';
			g.fillRect(0, y, w, rh);
			g.fillStyle = '#333';
			var lab = str(H.ev[j]);
			g.fillText(lab.length > 30 ? lab.slice(0, 29) + '…' : lab, 4, y + 13);
			g.fillStyle = k + 1 === n && out(p) === 'dropped' ? DROP : hopColor(j);
			g.fillRect(L + a * sc, y + 3, Math.max(2, (b - a) * sc), rh - 6);
		}
		g.fillStyle = '#333';
		g.fillRect(L, n * rh + 4, w - L - 10, 1);
		g.fillText('0', L, n * rh + 18);
		g.textAlign = 'right';
		g.fillText(fmt(end) + ' after the first hop', w - 10, n * rh + 18);
		g.textAlign = 'left';
	}
	function hopTable(p) {
		var t = $('nx-hops');
		t.textContent = '';
		var hr = t.insertRow();
		['#', 'event', 'stage', 'time (µs since the first hop)', 'Δ (µs)', 'CPU', 'task', 'device', 'len'].forEach(function (x) {
			var th = document.createElement('th');
			th.textContent = x;
			hr.appendChild(th);
		});
		for (var k = 0; k < P.nh[p]; k++) {
			var j = h0[p] + k, r = t.insertRow();
			[k + 1, str(H.ev[j]), str(H.sg[j]) || '–', (H.dt[j] / 1e3).toFixed(3),
				k ? ((H.dt[j] - H.dt[j - 1]) / 1e3).toFixed(3) : '–', H.cpu[j],
				task(P.tr[p], H.pid[j]), hopDev(j, p), H.len[j] >= 0 ? H.len[j] : '–'].forEach(function (v) {
				var td = r.insertCell();
				td.textContent = v;
				if (typeof v === 'number' || /^[0-9.]+$/.test(v)) td.className = 'n';
			});
		}
	}

	/* ---- start ---- */
	for (i = 0; i < ntr; i++) {
		var o = document.createElement('option');
		o.value = i;
		o.textContent = 'trace ' + D.tr.id[i];
		trSel.appendChild(o);
	}
	$('nx-trl').hidden = ntr < 2;
	notes();
	hookTables();
	lifetimes();
	flows();
	listPackets();
	showTrace(0);
})();
