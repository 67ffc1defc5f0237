// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Every listing goes through libsmartcols, which renders the same table as
 * aligned text or as JSON ({"<table name>": [ {...}, ... ]}): see krg_out.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krg_out.h"

static bool out_json;

void krg_out_json(bool json)
{
	out_json = json;
}

bool krg_out_is_json(void)
{
	return out_json;
}

static void verror(const char *prefix, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	fprintf(stderr, "%s: %s%s\n", prefix, msg, n && msg[n - 1] == '.' ? "" : ".");
}

void krg_out_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror("Error", fmt, ap);
	va_end(ap);
}

void krg_out_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror("Warning", fmt, ap);
	va_end(ap);
}

static void *xcheck(void *p)
{
	if (!p) {
		fprintf(stderr, "Error: out of memory.\n");
		exit(1);
	}
	return p;
}

static void lower(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && src[i]; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

static struct libscols_table *table_alloc(const char *name)
{
	struct libscols_table *tb = xcheck(scols_new_table());

	if (out_json) {
		scols_table_enable_json(tb, 1);
		scols_table_set_name(tb, name);
	}
	return tb;
}

static void add_col(struct libscols_table *tb, const char *name,
		    enum krg_col_type type, double width)
{
	struct libscols_column *cl;
	char key[64];
	int flags = type == KRG_COL_NUM ? SCOLS_FL_RIGHT : 0;

	if (out_json)
		lower(key, name, sizeof(key));
	else
		snprintf(key, sizeof(key), "%s", name);
	cl = xcheck(scols_table_new_column(tb, key, width ? width : 1, flags));
	if (type == KRG_COL_NUM)
		scols_column_set_json_type(cl, SCOLS_JSON_NUMBER);
	else if (type == KRG_COL_BOOL)
		scols_column_set_json_type(cl, SCOLS_JSON_BOOLEAN);
}

struct libscols_table *krg_table_new(const char *name, const struct krg_col *cols, int n)
{
	struct libscols_table *tb = table_alloc(name);
	int i;

	for (i = 0; i < n; i++)
		add_col(tb, cols[i].name, cols[i].type, cols[i].width);
	return tb;
}

struct libscols_line *krg_table_row(struct libscols_table *tb)
{
	return xcheck(scols_table_new_line(tb, NULL));
}

void krg_cell_str(struct libscols_line *ln, int col, const char *s)
{
	if (scols_line_set_data(ln, (size_t)col, s))
		xcheck(NULL);
}

/* A formatted string, malloc'ed (never NULL). */
__attribute__((format(printf, 1, 0)))
static char *vfmt(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		xcheck(NULL);
	return s;
}

void krg_cell_fmt(struct libscols_line *ln, int col, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vfmt(fmt, ap);
	va_end(ap);
	if (scols_line_refer_data(ln, (size_t)col, s))
		xcheck(NULL);
}

void krg_cell_bool(struct libscols_line *ln, int col, bool v)
{
	/* smartcols' JSON booleans: "0"/"N"/"n"/"" are false */
	krg_cell_str(ln, col, out_json ? (v ? "1" : "0") : (v ? "yes" : "no"));
}

/*
 * smartcols prints nothing at all for a table without lines; a header
 * says the command ran and found nothing (as ps(1) does).
 */
static void print_header_only(struct libscols_table *tb)
{
	size_t i, n = scols_table_get_ncols(tb);

	for (i = 0; i < n; i++) {
		struct libscols_column *cl = scols_table_get_column(tb, i);
		const char *name = cl ? scols_cell_get_data(scols_column_get_header(cl)) : NULL;

		printf("%s%s", i ? " " : "", name ? name : "");
	}
	putchar('\n');
}

void krg_table_print(struct libscols_table *tb)
{
	if (!scols_table_get_nlines(tb) && !scols_table_is_json(tb) &&
	    !scols_table_is_noheadings(tb))
		print_header_only(tb);
	else
		scols_print_table(tb);
	scols_unref_table(tb);
	fflush(stdout);
}

#define RECORD_MAX 32

struct krg_record {
	const char *name;
	int n;
	struct {
		const char *key;
		enum krg_col_type type;
		char *val;
	} f[RECORD_MAX];
};

struct krg_record *krg_record_new(const char *name)
{
	struct krg_record *r = xcheck(calloc(1, sizeof(*r)));

	r->name = name;
	return r;
}

static void record_add(struct krg_record *r, const char *key, enum krg_col_type type, char *val)
{
	if (r->n == RECORD_MAX) {
		free(val);
		return;
	}
	r->f[r->n].key = key;
	r->f[r->n].type = type;
	r->f[r->n].val = val;
	r->n++;
}

void krg_record_str(struct krg_record *r, const char *key, const char *val)
{
	record_add(r, key, KRG_COL_STR, xcheck(strdup(val)));
}

void krg_record_fmt(struct krg_record *r, const char *key, enum krg_col_type type,
		    const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vfmt(fmt, ap);
	va_end(ap);
	record_add(r, key, type, s);
}

void krg_record_print(struct krg_record *r)
{
	struct libscols_table *tb = table_alloc(r->name);
	struct libscols_line *ln;
	int i;

	if (out_json) {
		for (i = 0; i < r->n; i++)
			add_col(tb, r->f[i].key, r->f[i].type, 0);
		ln = krg_table_row(tb);
		for (i = 0; i < r->n; i++) {
			if (r->f[i].type == KRG_COL_BOOL)
				krg_cell_str(ln, i, r->f[i].val[0] == 'y' ? "1" : "0");
			else
				krg_cell_str(ln, i, r->f[i].val);
		}
	} else {
		scols_table_enable_noheadings(tb, 1);
		add_col(tb, "FIELD", KRG_COL_STR, 0);
		add_col(tb, "VALUE", KRG_COL_STR, 0);
		for (i = 0; i < r->n; i++) {
			char key[64];

			ln = krg_table_row(tb);
			snprintf(key, sizeof(key), "%s:", r->f[i].key);
			krg_cell_str(ln, 0, key);
			krg_cell_str(ln, 1, r->f[i].val[0] ? r->f[i].val : "-");
		}
	}
	krg_table_print(tb);
	for (i = 0; i < r->n; i++)
		free(r->f[i].val);
	free(r);
}
