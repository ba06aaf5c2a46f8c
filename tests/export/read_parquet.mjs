// Read a Parquet tree written by `nettrail export` with hyparquet (a JavaScript Parquet reader
// that shares no code with DuckDB, the writer) and print it as JSON on stdout:
// [{"table", "trace_id" (from the Hive directory name, or null), "columns", "rows": [[...]]}]
// INT64 values are printed as strings (exact), blobs as hex, doubles as JSON numbers.
// usage: node read_parquet.mjs HYPARQUET_DIR EXPORT_DIR
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'

const [hyparquetDir, root] = process.argv.slice(2)
const { asyncBufferFromFile, parquetMetadataAsync, parquetSchema, parquetReadObjects } =
	await import(pathToFileURL(join(hyparquetDir, 'src/node.js')).href)

function files(dir) {
	return readdirSync(dir).flatMap((n) => {
		const p = join(dir, n)
		return statSync(p).isDirectory() ? files(p) : n.endsWith('.parquet') ? [p] : []
	})
}

function value(v) {
	if (typeof v === 'bigint') return v.toString()
	if (v instanceof Uint8Array) return Buffer.from(v).toString('hex')
	return v === undefined ? null : v
}

const out = []
for (const f of files(root).sort()) {
	const parts = relative(root, f).split('/')
	const m = parts.length > 1 && parts[parts.length - 2].match(/^trace_id=(\d+)$/)
	const table = parts.slice(0, m ? -2 : -1).join('/')
	const file = await asyncBufferFromFile(f)
	const meta = await parquetMetadataAsync(file)
	const columns = parquetSchema(meta).children.map((c) => c.element.name)
	const rows = await parquetReadObjects({ file, metadata: meta })
	out.push({
		table,
		trace_id: m ? m[1] : null,
		columns,
		num_rows: Number(meta.num_rows),
		rows: rows.map((r) => columns.map((c) => value(r[c]))),
	})
}
process.stdout.write(JSON.stringify(out))
