// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator-icount: a QEMU TCG plugin that counts the guest instructions one
 * kernel path executes, per event and per vCPU: a count, not a time (TCG has
 * no PMU). Used by `make vm-cost` (vm/cost.sh).
 *
 *   -plugin build/vm/plugin/libisolator-icount.so,out=FILE,mark=ADDR,
 *           path=NAME@ADDR@MODE,path=...
 *
 * A path's event begins when a translation block starting at ADDR runs (a
 * function's entry, or an entry vector) and ends:
 *   MODE ret:  at the `ret` that returns from that function: the plugin keeps
 *              a per-vCPU call depth from the call and return instructions
 *              executed (every call or return ends a block), so tail calls,
 *              context switches and interrupts in between are followed;
 *              and, when the event began right after a call, also at the
 *              first block run at that call's return address after a `ret`,
 *              whichever comes first: a call that never returns by `ret`
 *              leaves the depth one too deep (the timekeeping CPU's tick
 *              then ended at its caller's return);
 *   MODE user: at the first block run at a user address (top bit clear),
 *              e.g. from entry_SYSCALL_64 back to user mode.
 * Everything the vCPU executes in between counts (callees, and an interrupt
 * taken inside: that is why the most frequent count, not only the mean, is
 * printed). An event still open when its vCPU returns to user mode is
 * dropped (counted as `aborted`).
 * Every block starting at ADDR of mark= (e.g. ksys_sync: the guest calls
 * sync()) ends a phase: the counts so far are written and reset; the last
 * phase is written at exit. Output, one line per phase, vCPU and path:
 *   phase P vcpu V path NAME events E insns T min A mode M mode_events F max B aborted X
 *         top COUNT:EVENTS ...   (the 5 most frequent counts per event)
 * Counting is per block: an exception in the middle of a block (a page
 * fault, int3, ud2) counts the whole block.
 *
 * With syms=FILE (a System.map) and attr=NAME[:NAME...] (paths' names), the
 * instructions of those paths' events are also attributed to the function
 * each block belongs to (exclusive counts, callees apart), with the number
 * of times each function was entered, per phase and vCPU:
 *   phase P vcpu V attr NAME fn SYMBOL insns T calls C
 * and, for each of the path's 5 most frequent counts, the same of one
 * event with exactly that count (a sub-path, function by function):
 *   phase P vcpu V sample NAME count N fn SYMBOL insns T calls C rets R callsites S
 * (R, S: ret and call instructions executed in it; C != R, or a sum of S
 * other than the sum of C, shows where the call depth was not balanced). So two kernels' sub-paths can be
 * compared function by function (vm/cost.sh's ISOLATOR_COST_ATTR).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-plugin-api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_VCPUS 16
#define MAX_PATHS 16
#define MAX_OPEN 32
#define HIST 512

enum kind { K_NONE, K_CALL, K_RET };

struct path {
	char name[48];
	uint64_t addr;
	bool user;		/* ends at user mode, else at its ret */
};

struct block {
	uint64_t next_pc;	/* the address after its last instruction */
	uint32_t n;		/* instructions */
	uint32_t bytes;		/* its length */
	int32_t sym;		/* index in syms[], -1 if none */
	bool fentry;		/* starts at its function's address */
	uint8_t kind;		/* of the last instruction */
	bool user;
	bool mark;
	int8_t start[4];	/* paths starting here, -1 ended */
};

struct open_event {
	int path;
	int64_t depth;
	uint64_t count;
	uint64_t ret_pc;	/* the return address, 0 if not entered by a call */
};

struct stat {
	uint64_t events, insns, min, max, aborted;
	uint64_t hv[HIST], hn[HIST];	/* count -> events, open addressing */
};

struct vcpu {
	int64_t depth;
	uint64_t last_next;	/* next_pc of the block run last */
	uint8_t last_kind;	/* and its kind */
	int nopen;
	struct open_event open[MAX_OPEN];
	struct stat st[MAX_PATHS];
	struct attr *at[MAX_PATHS];	/* attributed paths, allocated at first use */
};

/* One attributed path on one vCPU: per symbol (index in syms[]). */
struct attr {
	uint64_t *fn_insns, *fn_calls;	/* this phase's events */
	uint32_t *ev_insns, *ev_calls, *ev_rets, *ev_cs;	/* the open event */
	int32_t *touched;		/* the symbols the open event ran */
	size_t ntouched;
	struct sample *samples;		/* the first event of each count */
	int nsamples;
};

#define MAX_SAMPLES 1024

struct sample_fn {
	int32_t sym;
	uint32_t insns, calls, rets, callsites;
};

struct sample {
	uint64_t count;
	size_t n;
	struct sample_fn *fn;
};

struct sym {
	uint64_t addr;
	char *name;
};

static struct sym *syms;
static size_t nsyms;
static bool attr_on[MAX_PATHS];
static char attr_names[256];

static struct path paths[MAX_PATHS];
static int npaths;
static uint64_t mark_addr;
static bool arm64;
static struct vcpu vcpus[MAX_VCPUS];
static int phase;
static FILE *out;

static enum kind classify_x86(const uint8_t *b, size_t len)
{
	size_t i = 0;

	/* legacy prefixes, then REX */
	while (i < len && (b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e ||
			   b[i] == 0x64 || b[i] == 0x65 || b[i] == 0x66 || b[i] == 0x67 ||
			   b[i] == 0xf2 || b[i] == 0xf3))
		i++;
	if (i < len && (b[i] & 0xf0) == 0x40)
		i++;
	if (i >= len)
		return K_NONE;
	if (b[i] == 0xe8)
		return K_CALL;
	if (b[i] == 0xc3 || b[i] == 0xc2)
		return K_RET;
	if (b[i] == 0xff && i + 1 < len && ((b[i + 1] >> 3) & 7) == 2)
		return K_CALL;
	return K_NONE;
}

static enum kind classify_arm64(const uint8_t *b, size_t len)
{
	uint32_t w;

	if (len != 4)
		return K_NONE;
	w = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	if ((w & 0xfc000000) == 0x94000000 ||	/* bl */
	    (w & 0xfffffc1f) == 0xd63f0000 ||	/* blr */
	    (w & 0xfefff800) == 0xd63f0800)	/* blraa/blrab (and z forms) */
		return K_CALL;
	if ((w & 0xfffffc1f) == 0xd65f0000 ||	/* ret */
	    w == 0xd65f0bff || w == 0xd65f0fff)	/* retaa, retab */
		return K_RET;
	return K_NONE;
}

static void record(struct stat *s, uint64_t count)
{
	unsigned int h = (unsigned int)(count * 2654435761u) % HIST;
	int probe;

	if (!s->events || count < s->min)
		s->min = count;
	if (count > s->max)
		s->max = count;
	s->events++;
	s->insns += count;
	for (probe = 0; probe < HIST; probe++, h = (h + 1) % HIST) {
		if (s->hn[h] && s->hv[h] != count)
			continue;
		s->hv[h] = count;
		s->hn[h]++;
		return;
	}
}

#define TOP 5

/* Rank of histogram slot @h by frequency (ties: smaller count first), as dump() orders. */
static int rank_of(const struct stat *s, int h)
{
	int i, r = 0;

	for (i = 0; i < HIST; i++)
		if (s->hn[i] && (s->hn[i] > s->hn[h] ||
				 (s->hn[i] == s->hn[h] && s->hv[i] < s->hv[h])))
			r++;
	return r;
}

/*
 * The attributed path's event ended (@keep: with @count instructions) or
 * was dropped: keep its per-function counts if it is the first event of
 * that count, and clear them.
 */
static void sample_end(struct attr *v, uint64_t count, bool keep)
{
	size_t i;
	int k;

	if (!v)
		return;
	for (k = 0; keep && k < v->nsamples; k++)
		if (v->samples[k].count == count)
			keep = false;
	if (keep && v->nsamples < MAX_SAMPLES) {
		struct sample *sm = &v->samples[v->nsamples];

		sm->fn = malloc(v->ntouched * sizeof(*sm->fn));
		if (sm->fn) {
			sm->count = count;
			sm->n = v->ntouched;
			for (i = 0; i < v->ntouched; i++)
				sm->fn[i] = (struct sample_fn){ v->touched[i],
					v->ev_insns[v->touched[i]], v->ev_calls[v->touched[i]],
					v->ev_rets[v->touched[i]], v->ev_cs[v->touched[i]] };
			v->nsamples++;
		}
	}
	for (i = 0; i < v->ntouched; i++)
		v->ev_insns[v->touched[i]] = v->ev_calls[v->touched[i]] =
			v->ev_rets[v->touched[i]] = v->ev_cs[v->touched[i]] = 0;
	v->ntouched = 0;
}

static void dump_attr(int v, int p, struct attr *a)
{
	struct stat *s = &vcpus[v].st[p];
	size_t k;
	int t, h, i;

	for (k = 0; k < nsyms && s->events; k++)
		if (a->fn_insns[k])
			fprintf(out, "phase %d vcpu %d attr %s fn %s insns %" PRIu64
				" calls %" PRIu64 "\n", phase, v, paths[p].name,
				syms[k].name, a->fn_insns[k], a->fn_calls[k]);
	for (t = 0; t < TOP && s->events; t++) {
		uint64_t c = 0;
		bool found = false;

		/* the t-th most frequent count, as printed by dump() */
		for (h = 0; h < HIST; h++)
			if (s->hn[h] && rank_of(s, h) == t) {
				c = s->hv[h];
				found = true;
			}
		if (!found)
			break;
		for (i = 0; i < a->nsamples; i++) {
			struct sample *sm = &a->samples[i];
			size_t e;

			if (sm->count != c)
				continue;
			for (e = 0; e < sm->n; e++)
				fprintf(out, "phase %d vcpu %d sample %s count %" PRIu64
					" fn %s insns %u calls %u rets %u callsites %u\n", phase, v,
					paths[p].name, c, syms[sm->fn[e].sym].name,
					sm->fn[e].insns, sm->fn[e].calls, sm->fn[e].rets,
					sm->fn[e].callsites);
		}
	}
	for (i = 0; i < a->nsamples; i++)
		free(a->samples[i].fn);
	a->nsamples = 0;
	memset(a->fn_insns, 0, nsyms * sizeof(uint64_t));
	memset(a->fn_calls, 0, nsyms * sizeof(uint64_t));
}

static struct attr *attr_alloc(void)
{
	struct attr *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->fn_insns = calloc(nsyms, sizeof(uint64_t));
	a->fn_calls = calloc(nsyms, sizeof(uint64_t));
	a->ev_insns = calloc(nsyms, sizeof(uint32_t));
	a->ev_calls = calloc(nsyms, sizeof(uint32_t));
	a->ev_rets = calloc(nsyms, sizeof(uint32_t));
	a->ev_cs = calloc(nsyms, sizeof(uint32_t));
	a->touched = calloc(nsyms, sizeof(int32_t));
	a->samples = calloc(MAX_SAMPLES, sizeof(struct sample));
	if (!a->fn_insns || !a->fn_calls || !a->ev_insns || !a->ev_calls || !a->ev_rets || !a->ev_cs ||
	    !a->touched || !a->samples) {
		fprintf(stderr, "isolator: icount: out of memory for attr=\n");
		abort();
	}
	return a;
}

static void dump(void)
{
	int v, p, h, t;

	for (v = 0; v < MAX_VCPUS; v++) {
		for (p = 0; p < npaths; p++) {
			struct stat *s = &vcpus[v].st[p];
			uint64_t tv[TOP] = { 0 }, tn[TOP] = { 0 };

			if (!s->events && !s->aborted)
				continue;
			/* the TOP most frequent counts, most frequent first */
			for (h = 0; h < HIST; h++) {
				if (!s->hn[h])
					continue;
				for (t = TOP; t > 0 && (s->hn[h] > tn[t - 1] ||
					(s->hn[h] == tn[t - 1] && s->hv[h] < tv[t - 1])); t--) {
					if (t < TOP) {
						tv[t] = tv[t - 1];
						tn[t] = tn[t - 1];
					}
				}
				if (t < TOP) {
					tv[t] = s->hv[h];
					tn[t] = s->hn[h];
				}
			}
			fprintf(out, "phase %d vcpu %d path %s events %" PRIu64 " insns %" PRIu64
				" min %" PRIu64 " mode %" PRIu64 " mode_events %" PRIu64
				" max %" PRIu64 " aborted %" PRIu64 " top", phase, v, paths[p].name,
				s->events, s->insns, s->min, tv[0], tn[0], s->max, s->aborted);
			for (t = 0; t < TOP && tn[t]; t++)
				fprintf(out, " %" PRIu64 ":%" PRIu64, tv[t], tn[t]);
			fprintf(out, "\n");
		}
		for (p = 0; p < npaths; p++)
			if (vcpus[v].at[p])
				dump_attr(v, p, vcpus[v].at[p]);
		memset(vcpus[v].st, 0, sizeof(vcpus[v].st));
	}
	fflush(out);
	phase++;
}

static void exec_block(unsigned int vi, void *udata)
{
	const struct block *b = udata;
	struct vcpu *v;
	unsigned int done = 0;
	uint64_t pc = b->next_pc - b->bytes, prev_next;
	uint8_t prev_kind;
	int i, j;

	if (vi >= MAX_VCPUS)
		return;
	v = &vcpus[vi];
	prev_next = v->last_next;
	prev_kind = v->last_kind;
	if (b->user) {
		for (i = 0; i < v->nopen; i++) {
			struct open_event *e = &v->open[i];

			if (paths[e->path].user)
				record(&v->st[e->path], e->count);
			else
				v->st[e->path].aborted++;
			sample_end(v->at[e->path], 0, false);
		}
		v->nopen = 0;
		v->last_kind = K_NONE;
		return;
	}
	if (v->last_kind == K_RET) {	/* returned to an event's caller? */
		for (i = 0; i < v->nopen; i++) {
			struct open_event *e = &v->open[i];

			if (paths[e->path].user || !e->ret_pc || e->ret_pc != pc)
				continue;
			record(&v->st[e->path], e->count);
			sample_end(v->at[e->path], e->count, true);
			v->open[i--] = v->open[--v->nopen];
		}
	}
	v->last_next = b->next_pc;
	v->last_kind = b->kind;
	if (b->mark)
		dump();
	for (j = 0; j < 4 && b->start[j] >= 0; j++) {
		if (v->nopen == MAX_OPEN) {
			v->st[b->start[j]].aborted++;
			continue;
		}
		v->open[v->nopen++] = (struct open_event){ b->start[j], v->depth, 0,
			prev_kind == K_CALL ? prev_next : 0 };
	}
	for (i = 0; i < v->nopen; i++) {
		struct open_event *e = &v->open[i];
		struct attr *a;

		e->count += b->n;
		if (!attr_on[e->path] || b->sym < 0 || (done & 1u << e->path))
			continue;
		done |= 1u << e->path;	/* once per block, however nested */
		if (!v->at[e->path])
			v->at[e->path] = attr_alloc();
		a = v->at[e->path];
		a->fn_insns[b->sym] += b->n;
		a->fn_calls[b->sym] += b->fentry;
		if (!a->ev_insns[b->sym])
			a->touched[a->ntouched++] = b->sym;
		a->ev_insns[b->sym] += b->n;
		a->ev_calls[b->sym] += b->fentry;
		a->ev_rets[b->sym] += b->kind == K_RET;
		a->ev_cs[b->sym] += b->kind == K_CALL;
	}
	if (b->kind == K_CALL) {
		v->depth++;
	} else if (b->kind == K_RET) {
		for (i = 0; i < v->nopen; i++) {
			struct open_event *e = &v->open[i];

			if (paths[e->path].user || e->depth != v->depth)
				continue;
			record(&v->st[e->path], e->count);
			sample_end(v->at[e->path], e->count, true);
			v->open[i--] = v->open[--v->nopen];
		}
		v->depth--;
	}
}

/* The text symbol containing @pc: the last at or below it, -1 if none. */
static int32_t find_sym(uint64_t pc)
{
	size_t lo = 0, hi = nsyms;

	if (!nsyms || pc < syms[0].addr)
		return -1;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (syms[mid].addr <= pc)
			lo = mid;
		else
			hi = mid;
	}
	return (int32_t)lo;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The text symbols of a System.map, sorted by address. */
static int load_syms(const char *file)
{
	char line[512], name[400], type;
	unsigned long long addr;
	size_t cap = 0;
	FILE *f = fopen(file, "r");

	if (!f) {
		perror("isolator: icount: syms");
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %399s", &addr, &type, name) != 3)
			continue;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (nsyms == cap) {
			struct sym *n;

			cap = cap ? cap * 2 : 65536;
			n = realloc(syms, cap * sizeof(*syms));
			if (!n) {
				fclose(f);
				return -1;
			}
			syms = n;
		}
		syms[nsyms].addr = addr;
		syms[nsyms].name = strdup(name);
		if (!syms[nsyms].name) {
			fclose(f);
			return -1;
		}
		nsyms++;
	}
	fclose(f);
	qsort(syms, nsyms, sizeof(*syms), sym_cmp);
	return 0;
}

static void translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	uint64_t pc = qemu_plugin_tb_vaddr(tb);
	struct qemu_plugin_insn *last;
	struct block *b;
	int p, j = 0;

	(void)id;
	if (!n)
		return;
	b = calloc(1, sizeof(*b));
	if (!b)
		return;
	memset(b->start, -1, sizeof(b->start));
	b->n = (uint32_t)n;
	b->user = !(pc >> 63);
	b->mark = mark_addr && pc == mark_addr;
	b->sym = find_sym(pc);
	b->fentry = b->sym >= 0 && syms[b->sym].addr == pc;
	for (p = 0; p < npaths && j < 4; p++)
		if (paths[p].addr == pc)
			b->start[j++] = (int8_t)p;
	last = qemu_plugin_tb_get_insn(tb, n - 1);
	b->next_pc = qemu_plugin_insn_vaddr(last) + qemu_plugin_insn_size(last);
	b->bytes = (uint32_t)(b->next_pc - pc);
	b->kind = arm64 ? classify_arm64(qemu_plugin_insn_data(last), qemu_plugin_insn_size(last))
			: classify_x86(qemu_plugin_insn_data(last), qemu_plugin_insn_size(last));
	qemu_plugin_register_vcpu_tb_exec_cb(tb, exec_block, QEMU_PLUGIN_CB_NO_REGS, b);
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	dump();
	fclose(out);
}

static int add_path(const char *spec)
{
	const char *a = strchr(spec, '@');
	const char *m = a ? strchr(a + 1, '@') : NULL;
	struct path *p = &paths[npaths];

	if (!a || !m || npaths == MAX_PATHS || (size_t)(a - spec) >= sizeof(p->name))
		return -1;
	memcpy(p->name, spec, (size_t)(a - spec));
	p->addr = strtoull(a + 1, NULL, 16);
	if (!strcmp(m + 1, "user"))
		p->user = true;
	else if (strcmp(m + 1, "ret"))
		return -1;
	if (!p->addr)
		return -1;
	npaths++;
	return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *file = NULL;
	int i;

	arm64 = !strcmp(info->target_name, "aarch64");
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4)) {
			file = argv[i] + 4;
		} else if (!strncmp(argv[i], "mark=", 5)) {
			mark_addr = strtoull(argv[i] + 5, NULL, 16);
		} else if (!strncmp(argv[i], "syms=", 5)) {
			if (load_syms(argv[i] + 5))
				return -1;
		} else if (!strncmp(argv[i], "attr=", 5)) {
			snprintf(attr_names, sizeof(attr_names), "%s", argv[i] + 5);
		} else if (!strncmp(argv[i], "path=", 5)) {
			if (add_path(argv[i] + 5)) {
				fprintf(stderr, "isolator: icount: bad path '%s' (NAME@HEXADDR@ret|user)\n",
					argv[i] + 5);
				return -1;
			}
		} else {
			fprintf(stderr, "isolator: icount: unknown argument '%s'\n", argv[i]);
			return -1;
		}
	}
	if (!file || !npaths) {
		fprintf(stderr, "isolator: icount: needs out=FILE and at least one path=\n");
		return -1;
	}
	if (attr_names[0]) {
		char *name, *save = NULL;

		for (name = strtok_r(attr_names, ":", &save); name;
		     name = strtok_r(NULL, ":", &save)) {
			for (i = 0; i < npaths && strcmp(paths[i].name, name); i++)
				;
			if (i == npaths || !nsyms) {
				fprintf(stderr, "isolator: icount: attr=%s needs that path= and syms=\n",
					name);
				return -1;
			}
			attr_on[i] = true;
		}
	}
	out = fopen(file, "w");
	if (!out) {
		perror("isolator: icount: out");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, translate);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
