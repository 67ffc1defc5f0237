// SPDX-License-Identifier: GPL-2.0
/*
 * Every listing goes through libsmartcols, which renders the same table as
 * aligned text or, with -j, as JSON ({"<table name>": [ {...}, ... ]}).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krgadm.h"

static void *xcheck(void *p)
{
	if (!p) {
		fprintf(stderr, "Error: out of memory.\n");
		exit(EXIT_ERR);
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

	if (opt.json) {
		scols_table_enable_json(tb, 1);
		scols_table_set_name(tb, name);
	}
	return tb;
}

static void add_col(struct libscols_table *tb, const char *name,
		    enum col_type type, double width)
{
	struct libscols_column *cl;
	char key[64];
	int flags = type == COL_NUM ? SCOLS_FL_RIGHT : 0;

	if (opt.json)
		lower(key, name, sizeof(key));
	else
		snprintf(key, sizeof(key), "%s", name);
	cl = xcheck(scols_table_new_column(tb, key, width ? width : 1, flags));
	if (type == COL_NUM)
		scols_column_set_json_type(cl, SCOLS_JSON_NUMBER);
	else if (type == COL_BOOL)
		scols_column_set_json_type(cl, SCOLS_JSON_BOOLEAN);
}

struct libscols_table *table_new(const char *name, const struct col *cols, int n)
{
	struct libscols_table *tb = table_alloc(name);
	int i;

	for (i = 0; i < n; i++)
		add_col(tb, cols[i].name, cols[i].type, cols[i].width);
	return tb;
}

struct libscols_line *table_row(struct libscols_table *tb)
{
	return xcheck(scols_table_new_line(tb, NULL));
}

void cell_str(struct libscols_line *ln, int col, const char *s)
{
	if (scols_line_set_data(ln, (size_t)col, s))
		xcheck(NULL);
}

void cell_fmt(struct libscols_line *ln, int col, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		xcheck(NULL);
	if (scols_line_refer_data(ln, (size_t)col, s))
		xcheck(NULL);
}

void cell_bool(struct libscols_line *ln, int col, bool v)
{
	/* smartcols' JSON booleans: "0"/"N"/"n"/"" are false */
	cell_str(ln, col, opt.json ? (v ? "1" : "0") : (v ? "yes" : "no"));
}

void table_print(struct libscols_table *tb)
{
	scols_print_table(tb);
	scols_unref_table(tb);
	fflush(stdout);
}

#define RECORD_MAX 32

struct record {
	const char *name;
	int n;
	struct {
		const char *key;
		enum col_type type;
		char *val;
	} f[RECORD_MAX];
};

struct record *record_new(const char *name)
{
	struct record *r = xcheck(calloc(1, sizeof(*r)));

	r->name = name;
	return r;
}

static void record_add(struct record *r, const char *key, enum col_type type, char *val)
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

void record_str(struct record *r, const char *key, const char *val)
{
	record_add(r, key, COL_STR, xcheck(strdup(val)));
}

void record_fmt(struct record *r, const char *key, enum col_type type,
		const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		xcheck(NULL);
	record_add(r, key, type, s);
}

void record_print(struct record *r)
{
	struct libscols_table *tb = table_alloc(r->name);
	struct libscols_line *ln;
	int i;

	if (opt.json) {
		for (i = 0; i < r->n; i++)
			add_col(tb, r->f[i].key, r->f[i].type, 0);
		ln = table_row(tb);
		for (i = 0; i < r->n; i++) {
			if (r->f[i].type == COL_BOOL)
				cell_str(ln, i, r->f[i].val[0] == 'y' ? "1" : "0");
			else
				cell_str(ln, i, r->f[i].val);
		}
	} else {
		scols_table_enable_noheadings(tb, 1);
		add_col(tb, "FIELD", COL_STR, 0);
		add_col(tb, "VALUE", COL_STR, 0);
		for (i = 0; i < r->n; i++) {
			char key[64];

			ln = table_row(tb);
			snprintf(key, sizeof(key), "%s:", r->f[i].key);
			cell_str(ln, 0, key);
			cell_str(ln, 1, r->f[i].val[0] ? r->f[i].val : "-");
		}
	}
	table_print(tb);
	for (i = 0; i < r->n; i++)
		free(r->f[i].val);
	free(r);
}
