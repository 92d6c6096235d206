/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small JSON reader for isolator explain: the reports it reads are a few
 * kilobytes (cyclictest/oslat --json, isolator bench --json), so a tree of
 * nodes is simplest. Depth and size are bounded: the input is untrusted.
 */
#ifndef ISOLATOR_EXPLAIN_JSON_H
#define ISOLATOR_EXPLAIN_JSON_H

#include <stddef.h>

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jnode {
	enum jtype type;
	char *key;            /* within an object, else NULL */
	char *str;            /* J_STR */
	double num;           /* J_NUM, J_BOOL */
	struct jnode *child;  /* J_ARR, J_OBJ: first element */
	struct jnode *next;   /* next sibling */
};

/*
 * Parse @len bytes of @text. @err: OUT: on failure, the byte offset where it
 * went wrong. Return: the root (free with jnode_free) or NULL (errno EPROTO
 * for malformed or truncated input, ENOMEM).
 */
struct jnode *jnode_parse(const char *text, size_t len, size_t *err);
void jnode_free(struct jnode *n);

/* The member @key of object @obj, or NULL (also for a NULL or non-object @obj). */
const struct jnode *jget(const struct jnode *obj, const char *key);
/* @n as a number (a numeric string too), or @dflt. */
double jnum(const struct jnode *n, double dflt);
/* @n as a string, or NULL. */
const char *jstr(const struct jnode *n);

#endif
