#!/usr/bin/env python3
"""Compare the JSON of read_parquet.mjs (the Parquet files as hyparquet read them) with the
SQLite database they were exported from: the set of tables and partitions, each file's row
count, its columns, and every value. Prints one line per file, "ok" lines, and exits 1 on the
first difference. usage: compare_sqlite.py DB EXPORT.json EVENTS(0|1) [TRACE_ID...]"""
import json
import sqlite3
import sys

db = sqlite3.connect(sys.argv[1])
db.text_factory = lambda b: b.decode("utf-8", "replace")
files = json.load(open(sys.argv[2]))
events = sys.argv[3] == "1"
want = [int(t) for t in sys.argv[4:]] or [r[0] for r in db.execute("SELECT id FROM traces")]


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def norm(v):
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, int):
        return str(v)
    return v


def sqlite_table(table):
    if table.startswith("events/"):
        sysname, ev = table[len("events/"):].split(".", 1)
        return "%s:%s" % (sysname, ev), True
    return table, False


seen = set()
for f in files:
    table, event = sqlite_table(f["table"])
    cols = f["columns"]
    qcols = ",".join('"%s"' % c.replace('"', '""') for c in cols)
    if f["trace_id"] is None:
        if table != "traces":
            fail("%s: not partitioned by trace" % table)
        q = "SELECT %s FROM traces WHERE id IN (%s) ORDER BY id" % (
            qcols, ",".join(map(str, want)))
        exp = db.execute(q).fetchall()
    else:
        tid = int(f["trace_id"])
        if tid not in want:
            fail("%s: trace %d was not asked for" % (table, tid))
        order = " ORDER BY rowid" if event else ""
        exp = db.execute('SELECT %s FROM "%s" WHERE trace_id = ?%s' % (
            qcols, table.replace('"', '""'), order), (tid,)).fetchall()
        allcols = [r[1] for r in db.execute('PRAGMA table_info("%s")' % table)]
        if sorted(allcols) != sorted(cols + ["trace_id"]):
            fail("%s: columns %s, the database has %s" % (table, cols, allcols))
    seen.add((table, f["trace_id"]))
    if f["num_rows"] != len(f["rows"]) or len(exp) != len(f["rows"]):
        fail("%s trace %s: %d rows in Parquet (footer %d), %d in SQLite" % (
            table, f["trace_id"], len(f["rows"]), f["num_rows"], len(exp)))
    for i, (got, row) in enumerate(zip(f["rows"], exp)):
        row = [norm(v) for v in row]
        if got != row:
            fail("%s trace %s row %d: Parquet %r, SQLite %r" % (table, f["trace_id"], i, got, row))
    print("ok: %s trace %s: %d rows, %d columns" % (table, f["trace_id"], len(exp), len(cols)))

# every table with rows for the traces asked for has its partition
tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
for t in tables:
    cols = [r[1] for r in db.execute('PRAGMA table_info("%s")' % t.replace('"', '""'))]
    # skb_hop_lists is the storage of the view skb_hops, exported as that view
    if "trace_id" not in cols or t in ("trace_classes", "skb_hop_lists") or (":" in t or t == "tasks") and not events:
        continue
    for tid in want:
        n = db.execute('SELECT count(*) FROM "%s" WHERE trace_id = ?' % t.replace('"', '""'),
                       (tid,)).fetchone()[0]
        if n and (t, str(tid)) not in seen:
            fail("%s: %d rows of trace %d in SQLite, no Parquet file" % (t, n, tid))
print("files: %d" % len(files))
