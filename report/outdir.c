/* SPDX-License-Identifier: GPL-2.0 */
/* Every report of a database into one directory (nettrail capture, nettrail lab). */
#include "doc.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static char *path_in(const char *dir, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

int nt_doc_write_file(const struct nt_doc *d, const char *path, bool html, struct nt_err **err)
{
	char *tmp = NULL;
	FILE *o;
	int r;

	if (asprintf(&tmp, "%s.nettrail-tmp", path) < 0 || !(o = fopen(tmp, "w"))) {
		r = nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", path));
		free(tmp);
		return r;
	}
	r = html ? nt_doc_html(d, o, err) : nt_doc_text(d, o, err);
	if (fclose(o) && !r)
		r = nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", path));
	if (!r && rename(tmp, path))
		r = nt_err_set(err, nt_err_errno(NT_E_FAIL, errno, "cannot write '%s'", path));
	if (r)
		unlink(tmp);
	free(tmp);
	return r;
}

int nt_report_write_dir(sqlite3 *db, const struct nt_report_filter *f, const char *dir,
			struct nt_err **err)
{
	char *txt = path_in(dir, "report.txt"), *html = path_in(dir, "report.html");
	char *gp = path_in(dir, "gnuplot"), *csv = path_in(dir, "csv");
	struct nt_doc d;
	int r = -1;

	if (!txt || !html || !gp || !csv) {
		nt_err_set(err, nt_err_new(NT_E_FAIL, "out of memory"));
		goto out;
	}
	if (nt_doc_build(db, f, &d, err))
		goto out;
	r = nt_doc_write_file(&d, txt, false, err);
	if (!r)
		r = nt_doc_explorer(db, f, &d, err);
	if (!r)
		r = nt_doc_write_file(&d, html, true, err);
	if (!r)
		r = nt_doc_gnuplot(&d, gp, err);
	if (!r)
		r = nt_doc_csv(&d, csv, err);
	nt_doc_release(&d);
out:
	free(txt);
	free(html);
	free(gp);
	free(csv);
	return r;
}
