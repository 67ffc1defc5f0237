/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkrgout: the one print path of the Kerrighed tools (krgadm, krg).
 *
 * Every listing is a libsmartcols table, rendered as aligned text or, once
 * krg_out_json(true) was called, as JSON ({"<table name>": [ {...}, ... ]}),
 * as lsblk and findmnt do.  A record (one object: "cluster status") prints as
 * a FIELD/VALUE list for humans and as a one-row table in JSON.  Errors and
 * warnings go to stderr as "Error: <msg>." / "Warning: <msg>.", the form
 * iproute2 uses for extack messages.
 *
 * Out of memory inside this library prints "Error: out of memory." and exits
 * with status 1: a tool printing a table has nothing better to do.
 */
#ifndef _KRG_OUT_H
#define _KRG_OUT_H

#include <stdbool.h>
#include <libsmartcols.h>

/* JSON output from now on (default: text). */
void krg_out_json(bool json);
bool krg_out_is_json(void);

/* "Error: <msg>." on stderr (a trailing period in msg is not doubled). */
void krg_out_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void krg_out_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

enum krg_col_type { KRG_COL_STR, KRG_COL_NUM, KRG_COL_BOOL };

struct krg_col {
	const char *name;		/* header; lower-cased for JSON keys */
	enum krg_col_type type;
	double width;			/* smartcols width hint, 0: default */
};

struct libscols_table *krg_table_new(const char *name, const struct krg_col *cols, int n);
struct libscols_line *krg_table_row(struct libscols_table *tb);
void krg_cell_str(struct libscols_line *ln, int col, const char *s);
void krg_cell_fmt(struct libscols_line *ln, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void krg_cell_bool(struct libscols_line *ln, int col, bool v);
/* Prints and frees the table. */
void krg_table_print(struct libscols_table *tb);

/* A single record: one row for JSON, a two-column FIELD/VALUE list for humans. */
struct krg_record;
struct krg_record *krg_record_new(const char *name);
void krg_record_str(struct krg_record *r, const char *key, const char *val);
void krg_record_fmt(struct krg_record *r, const char *key, enum krg_col_type type,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Prints and frees the record. */
void krg_record_print(struct krg_record *r);

#endif /* _KRG_OUT_H */
