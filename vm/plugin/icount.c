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
	uint32_t n;		/* instructions */
	uint8_t kind;		/* of the last instruction */
	bool user;
	bool mark;
	int8_t start[4];	/* paths starting here, -1 ended */
};

struct open_event {
	int path;
	int64_t depth;
	uint64_t count;
};

struct stat {
	uint64_t events, insns, min, max, aborted;
	uint64_t hv[HIST], hn[HIST];	/* count -> events, open addressing */
};

struct vcpu {
	int64_t depth;
	int nopen;
	struct open_event open[MAX_OPEN];
	struct stat st[MAX_PATHS];
};

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
		memset(vcpus[v].st, 0, sizeof(vcpus[v].st));
	}
	fflush(out);
	phase++;
}

static void exec_block(unsigned int vi, void *udata)
{
	const struct block *b = udata;
	struct vcpu *v;
	int i, j;

	if (vi >= MAX_VCPUS)
		return;
	v = &vcpus[vi];
	if (b->user) {
		for (i = 0; i < v->nopen; i++) {
			struct open_event *e = &v->open[i];

			if (paths[e->path].user)
				record(&v->st[e->path], e->count);
			else
				v->st[e->path].aborted++;
		}
		v->nopen = 0;
		return;
	}
	if (b->mark)
		dump();
	for (j = 0; j < 4 && b->start[j] >= 0; j++) {
		if (v->nopen == MAX_OPEN) {
			v->st[b->start[j]].aborted++;
			continue;
		}
		v->open[v->nopen++] = (struct open_event){ b->start[j], v->depth, 0 };
	}
	for (i = 0; i < v->nopen; i++)
		v->open[i].count += b->n;
	if (b->kind == K_CALL) {
		v->depth++;
	} else if (b->kind == K_RET) {
		for (i = 0; i < v->nopen; i++) {
			struct open_event *e = &v->open[i];

			if (paths[e->path].user || e->depth != v->depth)
				continue;
			record(&v->st[e->path], e->count);
			v->open[i--] = v->open[--v->nopen];
		}
		v->depth--;
	}
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
	for (p = 0; p < npaths && j < 4; p++)
		if (paths[p].addr == pc)
			b->start[j++] = (int8_t)p;
	last = qemu_plugin_tb_get_insn(tb, n - 1);
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
	out = fopen(file, "w");
	if (!out) {
		perror("isolator: icount: out");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, translate);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
