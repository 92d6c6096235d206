// SPDX-License-Identifier: GPL-2.0-or-later
/* A bounded recursive-descent JSON reader; see explain_json.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "explain_json.h"

#define JSON_MAX_DEPTH 32

struct jp {
	const char *s;
	size_t len, at;
	int failed;
};

static void ws(struct jp *p)
{
	while (p->at < p->len && strchr(" \t\r\n", p->s[p->at]) && p->s[p->at])
		p->at++;
}

static int peek(struct jp *p)
{
	ws(p);
	return p->at < p->len ? (unsigned char)p->s[p->at] : -1;
}

static struct jnode *node(struct jp *p, enum jtype t)
{
	struct jnode *n = calloc(1, sizeof(*n));

	if (!n)
		p->failed = ENOMEM;
	else
		n->type = t;
	return n;
}

/* A string at p->at (the opening quote); escapes kept simple: \uXXXX -> '?'. */
static char *string(struct jp *p)
{
	size_t start = ++p->at, n = 0;
	char *out;

	while (p->at < p->len && p->s[p->at] != '"') {
		if ((unsigned char)p->s[p->at] < 0x20)
			return NULL;
		if (p->s[p->at] == '\\')
			p->at++;
		p->at++;
	}
	if (p->at >= p->len)
		return NULL;
	out = malloc(p->at - start + 1);
	if (!out) {
		p->failed = ENOMEM;
		return NULL;
	}
	for (size_t i = start; i < p->at; i++) {
		char c = p->s[i];

		if (c == '\\') {
			c = p->s[++i];
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u':
				if (i + 4 >= p->at) {
					free(out);
					return NULL;
				}
				i += 4;
				c = '?';
				break;
			case '"': case '\\': case '/': break;
			default:
				free(out);
				return NULL;
			}
		}
		out[n++] = c;
	}
	out[n] = '\0';
	p->at++;
	return out;
}

static struct jnode *value(struct jp *p, int depth);

static struct jnode *container(struct jp *p, int depth, int obj)
{
	struct jnode *n = node(p, obj ? J_OBJ : J_ARR), **tail;
	char close = obj ? '}' : ']';

	if (!n)
		return NULL;
	tail = &n->child;
	p->at++;
	if (peek(p) == close) {
		p->at++;
		return n;
	}
	for (;;) {
		char *key = NULL;
		struct jnode *v;

		if (obj) {
			if (peek(p) != '"' || !(key = string(p)) || peek(p) != ':') {
				free(key);
				goto bad;
			}
			p->at++;
		}
		v = value(p, depth + 1);
		if (!v) {
			free(key);
			goto bad;
		}
		v->key = key;
		*tail = v;
		tail = &v->next;
		if (peek(p) == ',') {
			p->at++;
			continue;
		}
		if (peek(p) == close) {
			p->at++;
			return n;
		}
		goto bad;
	}
bad:
	jnode_free(n);
	return NULL;
}

static struct jnode *value(struct jp *p, int depth)
{
	static const struct { const char *word; enum jtype t; double v; } words[] = {
		{ "null", J_NULL, 0 }, { "true", J_BOOL, 1 }, { "false", J_BOOL, 0 },
	};
	struct jnode *n;
	int c = peek(p);

	if (depth > JSON_MAX_DEPTH || c < 0)
		return NULL;
	if (c == '{' || c == '[')
		return container(p, depth, c == '{');
	if (c == '"') {
		char *s = string(p);

		if (!s || !(n = node(p, J_STR))) {
			free(s);
			return NULL;
		}
		n->str = s;
		return n;
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t wl = strlen(words[i].word);

		if (p->len - p->at >= wl && !memcmp(p->s + p->at, words[i].word, wl)) {
			p->at += wl;
			if ((n = node(p, words[i].t)))
				n->num = words[i].v;
			return n;
		}
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		char buf[64], *end;
		size_t k = 0;

		while (p->at < p->len && k + 1 < sizeof(buf) && strchr("+-.eE0123456789", p->s[p->at]) &&
		       p->s[p->at])
			buf[k++] = p->s[p->at++];
		buf[k] = '\0';
		if (!(n = node(p, J_NUM)))
			return NULL;
		n->num = strtod(buf, &end);
		if (end == buf || *end) {
			free(n);
			return NULL;
		}
		return n;
	}
	return NULL;
}

struct jnode *jnode_parse(const char *text, size_t len, size_t *err)
{
	struct jp p = { text, len, 0, 0 };
	struct jnode *root = value(&p, 0);

	if (root && peek(&p) >= 0) { /* trailing garbage */
		jnode_free(root);
		root = NULL;
	}
	if (!root) {
		if (err)
			*err = p.at;
		errno = p.failed ? p.failed : EPROTO;
	}
	return root;
}

void jnode_free(struct jnode *n)
{
	while (n) {
		struct jnode *next = n->next;

		jnode_free(n->child);
		free(n->key);
		free(n->str);
		free(n);
		n = next;
	}
}

const struct jnode *jget(const struct jnode *obj, const char *key)
{
	if (!obj || obj->type != J_OBJ)
		return NULL;
	for (const struct jnode *c = obj->child; c; c = c->next)
		if (c->key && !strcmp(c->key, key))
			return c;
	return NULL;
}

double jnum(const struct jnode *n, double dflt)
{
	char *end;
	double v;

	if (!n)
		return dflt;
	if (n->type == J_NUM || n->type == J_BOOL)
		return n->num;
	if (n->type == J_STR) {
		v = strtod(n->str, &end);
		if (end != n->str && !*end)
			return v;
	}
	return dflt;
}

const char *jstr(const struct jnode *n)
{
	return n && n->type == J_STR ? n->str : NULL;
}
