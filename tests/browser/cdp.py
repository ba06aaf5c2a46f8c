#!/usr/bin/python3
"""A small Chrome DevTools Protocol driver for the browser tests (Debian's chromium and
python3-websocket; PIL from python3-pil for the screenshots).

cdp.py check PAGE.html --reason R --count N --shots DIR [--stages FROM:N,...] [--flows JSON]
    loads the page from file://, fails on any console error or exception, clicks the drop
    reason R in the table t-skb_drops with real mouse events and checks that the explorer
    lists exactly N packets, all with reason R; picks the first packet (its hops are listed),
    with --stages FROM:N,... clicks the count of each stage pair starting at FROM in the
    table t-skb_stages and checks N packets are listed; checks that the explorer's flows table
    counts every packet once and that clicking a row lists its packets; with --flows '{"FLOW": N, ...}' checks
    that the explorer's flows table (#nx-flows) names exactly those flows ("no flow known"
    for the packets without one) with N packets each, and that clicking each lists exactly its
    N packets, all of that flow, the first one's details naming it, the same from the report's
    table t-skb_flows, and that a hop of the busiest flow names it when hovered; zooms the timeline (button and wheel) and checks the shown span shrank; takes screenshots
    of the page and the timeline into DIR and checks they are not blank.
cdp.py text PAGE.html --pid PID --expect TEXT [--flow FLOW]
    picks the listed packet whose task is TEXT without its ' (PID)' and checks that its hops
    show TEXT as text (with --flow: that the flows table and the packet list show FLOW as
    text and clicking it lists its one packet), that the page's only scripts are its own two and that none ran code
    from the trace (no dialog, no error).
cdp.py measure PAGE.html
    prints 'first_paint_ms FCP explorer_ms DRAW load_ms LOAD' (the page's own clock).
Exit 0 ok, 1 a check failed (the message says which), 77 chromium cannot be started.
"""
import base64, io, json, os, shutil, subprocess, sys, tempfile, time, urllib.request

import websocket


class Fail(Exception):
    pass


class Browser:
    def __init__(self, width=1400, height=1000):
        exe = shutil.which('chromium') or shutil.which('chromium-browser')
        if not exe:
            print('SKIP: needs chromium')
            sys.exit(77)
        self.dir = tempfile.mkdtemp(prefix='nt-cdp-')
        self.proc = subprocess.Popen(
            [exe, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync',
             '--disable-extensions', '--remote-debugging-port=0', '--remote-allow-origins=*',
             '--user-data-dir=' + self.dir, '--window-size=%d,%d' % (width, height),
             'about:blank'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = None
        for _ in range(300):
            try:
                port = open(os.path.join(self.dir, 'DevToolsActivePort')).readline().strip()
                if port:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        if not port:
            self.close()
            print('SKIP: chromium did not start its DevTools endpoint')
            sys.exit(77)
        pages = json.load(urllib.request.urlopen('http://127.0.0.1:%s/json/list' % port))
        url = [p for p in pages if p['type'] == 'page'][0]['webSocketDebuggerUrl']
        self.ws = websocket.create_connection(url, timeout=60)
        self.id = 0
        self.events = []
        for d in ('Runtime', 'Log', 'Page'):
            self.call(d + '.enable')

    def call(self, method, **params):
        self.id += 1
        self.ws.send(json.dumps({'id': self.id, 'method': method, 'params': params}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get('id') == self.id:
                if 'error' in m:
                    raise Fail('%s: %s' % (method, m['error']))
                return m.get('result', {})
            self.events.append(m)

    def wait_event(self, method, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            for i, m in enumerate(self.events):
                if m.get('method') == method:
                    return self.events.pop(i)
            self.ws.settimeout(max(0.1, end - time.time()))
            self.events.append(json.loads(self.ws.recv()))
        raise Fail('no %s within %d s' % (method, timeout))

    def eval(self, expr):
        r = self.call('Runtime.evaluate', expression=expr, returnByValue=True,
                      awaitPromise=True)
        if 'exceptionDetails' in r:
            raise Fail('evaluating %r: %s' % (expr[:80], r['exceptionDetails']))
        return r['result'].get('value')

    def errors(self):
        """Console errors, uncaught exceptions and error log entries seen so far."""
        out = []
        for m in self.events:
            p = m.get('params', {})
            if m.get('method') == 'Runtime.exceptionThrown':
                out.append('exception: %s' % p['exceptionDetails'].get('exception', {})
                           .get('description', p['exceptionDetails'].get('text')))
            elif m.get('method') == 'Runtime.consoleAPICalled' and p['type'] in ('error', 'assert'):
                out.append('console.%s: %s' % (p['type'], [a.get('value') for a in p['args']]))
            elif m.get('method') == 'Log.entryAdded' and p['entry']['level'] == 'error':
                out.append('log: %s' % p['entry']['text'])
        return out

    def load(self, path):
        self.call('Page.navigate', url='file://' + os.path.abspath(path))
        self.wait_event('Page.loadEventFired')

    def mouse(self, kind, x, y, **kw):
        self.call('Input.dispatchMouseEvent', type=kind, x=x, y=y, **kw)

    def click(self, x, y):
        self.mouse('mouseMoved', x, y)
        self.mouse('mousePressed', x, y, button='left', clickCount=1)
        self.mouse('mouseReleased', x, y, button='left', clickCount=1)

    def center(self, js):
        """Scroll the element @js evaluates to into view; its centre in the viewport."""
        r = self.eval('(function(){var e=%s; if(!e) return null; e.scrollIntoView({block:'
                      '"center"}); var b=e.getBoundingClientRect(); return [b.left+b.width/2,'
                      'b.top+b.height/2];})()' % js)
        if not r:
            raise Fail('no element %s' % js)
        return r

    def shot(self, path, clip=None):
        kw = {'format': 'png', 'captureBeyondViewport': True}
        if clip:
            kw['clip'] = dict(clip, scale=1)
        png = base64.b64decode(self.call('Page.captureScreenshot', **kw)['data'])
        open(path, 'wb').write(png)
        return png

    def close(self):
        try:
            self.proc.terminate()
            self.proc.wait(10)
        except Exception:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def not_blank(png, what):
    """The screenshot's pixel spread through PIL (python3-pil): a blank one has none."""
    from PIL import Image, ImageStat
    im = Image.open(io.BytesIO(png)).convert('L')
    var = ImageStat.Stat(im).var[0]
    levels = len(im.getcolors(1 << 20) or [])
    if var < 50 or levels < 8:
        raise Fail('%s looks blank (pixel variance %.1f, %d grey levels)' % (what, var, levels))
    return '%dx%d, pixel variance %.0f, %d grey levels' % (im.size[0], im.size[1], var, levels)


ROWS = ('Array.prototype.slice.call(document.getElementById("nx-list").rows,1)'
        '.map(function(r){return r.cells[7].textContent})')


def count_shown(b):
    return b.eval('Number(document.getElementById("nx-count").dataset.count)')


def click_flow(b, name):
    """Clicks the flow @name in the explorer's flows table; the packets it lists."""
    b.click(*b.center('Array.prototype.filter.call(document.getElementById("nx-flows").rows,'
                      'function(r){return r.cells[0].textContent===%s})[0].cells[0]'
                      % json.dumps(name)))
    return count_shown(b)


FLOWS = ('Array.prototype.slice.call(document.getElementById("nx-flows").rows,1)'
         '.map(function(r){return [r.cells[0].textContent,Number(r.cells[1].textContent)]})')
LIST_FLOWS = ('Array.prototype.slice.call(document.getElementById("nx-list").rows,1)'
              '.map(function(r){return r.cells[r.cells.length-1].textContent})')


def check_flow_table(b, total):
    """Whatever the trace: the flows table counts every packet once, and clicking a row lists
    the packets it counts (the busiest flow and "no flow known", where there are)."""
    table = b.eval(FLOWS)
    if sum(n for _, n in table) != total:
        raise Fail('the flows table counts %d packets, the explorer has %d: %r'
                   % (sum(n for _, n in table), total, table[:5]))
    for name, n in table[:1] + [r for r in table[1:] if r[0] == 'no flow known']:
        if click_flow(b, name) != n:
            raise Fail('clicking %r listed %s packets, its row says %d' % (name, count_shown(b), n))
    print('ok: the flows table counts the %d packets in %d rows; clicking a row lists its own'
          % (total, len(table)))


def check_flows(b, want):
    table = dict(b.eval(FLOWS))
    if table != want:
        raise Fail('the flows table holds %r, the trace was made with %r' % (table, want))
    for name, n in want.items():
        got = click_flow(b, name)
        if got != n:
            raise Fail('clicking the flow %r listed %s packets, the trace has %d' % (name, got, n))
        shown = b.eval(LIST_FLOWS)
        cell = '–' if name == 'no flow known' else name
        if len(shown) != min(n, 500) or any(f != cell for f in shown):
            raise Fail('the list does not hold exactly the packets of %r: %r' % (name, shown[:10]))
        b.click(*b.center('document.querySelector("#nx-list tr.nx-row")'))
        title = b.eval('document.getElementById("nx-ptitle").textContent')
        if (name if name == 'no flow known' else 'flow ' + name) not in title:
            raise Fail('the details of a packet of %r do not name it: %r' % (name, title))
        print('ok: clicking the flow %r lists exactly its %d packets; their details name it'
              % (name, n))
    for name, n in want.items():
        if name == 'no flow known' or not b.eval('!!document.getElementById("t-skb_flows")'):
            continue
        b.click(*b.center('Array.prototype.filter.call(document.getElementById("t-skb_flows")'
                          '.rows,function(r){return r.cells[0].textContent===%s})[0].cells[0]'
                          % json.dumps(name)))
        if count_shown(b) != n:
            raise Fail('clicking %r in the report\'s flows table listed %s packets, not %d'
                       % (name, count_shown(b), n))
        print('ok: clicking %r in the report\'s table skb_flows lists its %d packets' % (name, n))
    name = max([k for k in want if k != 'no flow known'] or want, key=want.get)
    click_flow(b, name)
    tip = hover_hop(b)
    if (name if name == 'no flow known' else 'flow ' + name) not in tip:
        raise Fail('hovering a hop of the flow %r does not name it: %r' % (name, tip))
    print('ok: hovering a hop of the flow %r names it' % name)


def hover_hop(b):
    """Moves the mouse along the packets' band of each CPU lane (30 px, band 15 px down, the
    script's layout) until the timeline's hover text shows; that text."""
    b.click(*b.center('document.getElementById("nx-zall")'))
    b.center('document.getElementById("nx-tl")')
    r = b.eval('(function(){var b=document.getElementById("nx-tl").getBoundingClientRect();'
               'return [b.left,b.top,b.width,b.height]})()')
    for lane in range(int((r[3] - 22) // 30)):
        for x in range(100, int(r[2]) - 2, 3):
            b.mouse('mouseMoved', r[0] + x, r[1] + lane * 30 + 21)
            if b.eval('!document.getElementById("nx-tip").hidden'):
                return b.eval('document.getElementById("nx-tip").textContent')
    raise Fail('no hop of the listed packets shows a hover text')


def check(b, page, reason, count, shots, stages='', flows=None):
    b.load(page)
    if b.errors():
        raise Fail('console errors while loading %s: %s' % (page, b.errors()))
    if not b.eval('!!document.getElementById("nx-data")'):
        raise Fail('%s has no explorer data' % page)
    before = b.eval('Number(document.getElementById("nx-count").dataset.count)')
    x, y = b.center('Array.prototype.filter.call(document.querySelectorAll("#t-skb_drops td"),'
                    'function(t){return t.textContent===%s})[0]' % json.dumps(reason))
    b.click(x, y)
    shown = b.eval('Number(document.getElementById("nx-count").dataset.count)')
    rows = b.eval(ROWS)
    if shown != count:
        raise Fail('clicking %s listed %s packets, the scenario made %d' % (reason, shown, count))
    if len(rows) != min(count, 500) or any(r != reason for r in rows):
        raise Fail('the list does not hold exactly the %s packets: %r' % (reason, rows[:10]))
    print('ok: %s: clicking %s lists exactly its %d packets (of %d)' % (
        os.path.basename(page), reason, count, before))
    for pair in filter(None, stages.split(',')):
        first, n = pair.split(':')
        x, y = b.center('Array.prototype.filter.call(document.getElementById("t-skb_stages")'
                        '.rows,function(r){return r.cells[0].textContent===%s})[0].cells[2]'
                        % json.dumps(first))
        b.click(x, y)
        got = b.eval('Number(document.getElementById("nx-count").dataset.count)')
        if got != int(n):
            raise Fail('the stage pair from %s lists %s packets, not %s' % (first, got, n))
        print('ok: the stage pair from %s lists its %s packets' % (first, n))
    check_flow_table(b, before)
    if flows:
        check_flows(b, flows)
    x, y = b.center('Array.prototype.filter.call(document.querySelectorAll("#t-skb_drops td"),'
                    'function(t){return t.textContent===%s})[0]' % json.dumps(reason))
    b.click(x, y)
    x, y = b.center('document.querySelector("#nx-list tr.nx-row")')
    b.click(x, y)
    hops = b.eval('document.getElementById("nx-hops").rows.length - 1')
    if hops < 1:
        raise Fail('picking a packet listed no hops')
    print('ok: the first %s packet shows its %d hops' % (reason, hops))
    span0 = b.eval('Number(document.getElementById("nx-range").dataset.span)')
    b.click(*b.center('document.getElementById("nx-zall")'))
    span1 = b.eval('Number(document.getElementById("nx-range").dataset.span)')
    b.click(*b.center('document.getElementById("nx-zin")'))
    x, y = b.center('document.getElementById("nx-tl")')
    b.mouse('mouseWheel', x, y, deltaX=0, deltaY=-300)
    span2 = b.eval('Number(document.getElementById("nx-range").dataset.span)')
    if not span2 < span1 * 0.5:
        raise Fail('zooming did not narrow the timeline (%s -> %s ns)' % (span1, span2))
    print('ok: zoom narrowed the timeline from %.0f to %.0f ns' % (span1, span2))
    b.mouse('mouseMoved', x, y)
    os.makedirs(shots, exist_ok=True)
    name = os.path.splitext(os.path.basename(page))[0]
    r = b.eval('(function(){var e=document.getElementById("nx-tl");e.scrollIntoView();'
               'var b=e.getBoundingClientRect();return [b.left+scrollX,b.top+scrollY,b.width,'
               'b.height]})()')
    png = b.shot(os.path.join(shots, name + '-timeline.png'),
                 {'x': r[0], 'y': r[1], 'width': r[2], 'height': r[3]})
    print('ok: timeline screenshot %s' % not_blank(png, 'the timeline'))
    r = b.eval('(function(){var e=document.getElementById("nx-wf");'
               'var b=e.getBoundingClientRect();return [b.left+scrollX,b.top+scrollY,b.width,'
               'b.height]})()')
    png = b.shot(os.path.join(shots, name + '-packet.png'),
                 {'x': r[0], 'y': r[1], 'width': r[2], 'height': r[3]})
    print('ok: waterfall screenshot %s' % not_blank(png, "the packet's waterfall"))
    b.eval('window.scrollTo(0,0)')
    png = b.shot(os.path.join(shots, name + '-top.png'))
    print('ok: page screenshot %s' % not_blank(png, 'the page'))
    if b.errors():
        raise Fail('console errors while using %s: %s' % (page, b.errors()))
    print('ok: no console error or exception')


def text(b, page, pid, expect, flow=None):
    """A hop's task cell shows @expect (a trace string) as text; the page runs no other script."""
    b.load(page)
    if b.errors():
        raise Fail('console errors while loading %s: %s' % (page, b.errors()))
    x, y = b.center('Array.prototype.filter.call(document.querySelectorAll("#nx-list tr.nx-row"),'
                    'function(r){return r.cells[9].textContent===%s})[0]'
                    % json.dumps(expect.rsplit(' (', 1)[0]))
    b.click(x, y)
    cells = b.eval('Array.prototype.map.call(document.querySelectorAll("#nx-hops td"),'
                   'function(t){return t.textContent})')
    if expect not in cells:
        raise Fail('no hop shows the task %r: %r' % (expect, cells[:20]))
    if flow is not None:
        if click_flow(b, flow) != 1 or b.eval(LIST_FLOWS) != [flow]:
            raise Fail('the flow %r is not listed as text with its one packet' % flow)
        if b.eval('document.querySelectorAll("#nx img, #nx b, #nx script").length'):
            raise Fail('the flow %r landed in the explorer as markup' % flow)
        print('ok: the flows table and the list show the flow %r as text' % flow)
    scripts = b.eval('Array.prototype.map.call(document.querySelectorAll("script"),'
                     'function(s){return s.id})')
    if scripts != ['nx-data', 'nx-js']:
        raise Fail('the page has other scripts than its own: %r' % scripts)
    if any(m.get('method') == 'Page.javascriptDialogOpening' for m in b.events) or b.errors():
        raise Fail('a trace string ran as code: %r' % b.errors())
    print('ok: the hops show the task %r as text; the page has only its own scripts' % expect)


def measure(b, page):
    t = time.time()
    b.load(page)
    load = (time.time() - t) * 1000
    for _ in range(100):
        r = b.eval('(function(){var p=performance.getEntriesByName("first-contentful-paint")[0];'
                   'var d=performance.getEntriesByName("nx-first-draw")[0];'
                   'return [p?p.startTime:-1,d?d.startTime:-1]})()')
        if r[0] >= 0 and r[1] >= 0:
            break
        time.sleep(0.1)
    if b.errors():
        raise Fail('console errors: %s' % b.errors())
    print('first_paint_ms %.0f explorer_ms %.0f load_ms %.0f' % (r[0], r[1], load))


def main():
    a = sys.argv[1:]
    if len(a) < 2 or a[0] not in ('check', 'measure', 'text'):
        print(__doc__)
        return 2
    opts = dict(zip(a[2::2], a[3::2]))
    b = Browser()
    try:
        if a[0] == 'check':
            check(b, a[1], opts['--reason'], int(opts['--count']), opts['--shots'],
                  opts.get('--stages', ''), json.loads(opts.get('--flows', 'null')))
        elif a[0] == 'text':
            text(b, a[1], opts['--pid'], opts['--expect'], opts.get('--flow'))
        else:
            measure(b, a[1])
    except Fail as e:
        print('FAIL: %s' % e)
        return 1
    finally:
        b.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
