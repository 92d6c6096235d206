// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * noinstr-keys VMLINUX: the static keys that code in .noinstr.text reads
 * (kernel/entry-check.sh, issue 16 point 3), and which of them an entry
 * runs before the isolator's entry hook. objtool of 6.12 does not check
 * them: a key that can be flipped after boot is text patched at run time,
 * which an isolated CPU has not synced when it runs its entry code before
 * the deferred sync_core (__isolator_kernel_entry()). A key in
 * .data..ro_after_init cannot be flipped after boot; any other one can.
 *
 * Reads the ELF64 little-endian vmlinux (x86_64 or arm64, both with
 * relative jump entries between __start___jump_table and
 * __stop___jump_table: s32 code, s32 target, s64 key, each relative to its
 * own address; the key's two low bits are flags), and the disassembly of
 * its .noinstr.text and .entry.text by objdump (x86_64: objdump; arm64:
 * aarch64-linux-gnu-objdump, from scripts/deps.sh arm64; $OBJDUMP if set).
 * Prints one line per jump entry in [__noinstr_text_start,
 * __noinstr_text_end):
 *   key <name> <ro_after_init|writable> in <function>[ before-hook]
 * then
 *   path N <function>...    the entry path: the noinstr functions that the
 *                           entry code (.entry.text) calls, and those they
 *                           call, from which a chain of direct calls or
 *                           tail calls reaches the hook
 *   unentered N <function>...  the other functions that reach the hook
 *   before N <function>...  the noinstr functions called, directly or not,
 *                           from a point of the path before the hook: they
 *                           run wholly before it
 *   indirect N <function>...  those of both whose code before the hook
 *                           calls or jumps through a register (not followed)
 *   leaves N <caller>><callee>...  their calls before the hook out of
 *                           .noinstr.text (not followed)
 * and a last line "keys N writable M". A site is before-hook if it is in a
 * "before" function, or in a path function at a point from which a call
 * to the hook or to a path function can still be reached (see before()).
 * Exit 0, or 1 if the file is not what it expects.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const unsigned char *img;
static size_t img_len;
static const Elf64_Sym *syms;
static size_t nsyms;
static const char *strs;

static const Elf64_Shdr *section(const Elf64_Ehdr *eh, const char *name)
{
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(img + eh->e_shoff);
	const char *names = (const char *)img + sh[eh->e_shstrndx].sh_offset;

	for (int i = 0; i < eh->e_shnum; i++)
		if (!strcmp(names + sh[i].sh_name, name))
			return &sh[i];
	return NULL;
}

static uint64_t sym_addr(const char *name)
{
	for (size_t i = 0; i < nsyms; i++)
		if (!strcmp(strs + syms[i].st_name, name))
			return syms[i].st_value;
	return 0;
}

/*
 * The function (@type STT_FUNC) or object (STT_OBJECT: a key, or the
 * tracepoint whose member it is) that contains @addr, as NAME or NAME+OFF.
 */
static const char *sym_at(uint64_t addr, int type, char *buf, size_t len)
{
	for (size_t i = 0; i < nsyms; i++) {
		const Elf64_Sym *s = &syms[i];

		if (!s->st_name || ELF64_ST_TYPE(s->st_info) != type || addr < s->st_value ||
		    addr >= s->st_value + (s->st_size ? s->st_size : 1))
			continue;
		if (addr == s->st_value || type == STT_FUNC)
			snprintf(buf, len, "%s", strs + s->st_name);
		else
			snprintf(buf, len, "%s+%#llx", strs + s->st_name,
				 (unsigned long long)(addr - s->st_value));
		return buf;
	}
	snprintf(buf, len, "%#llx", (unsigned long long)addr);
	return buf;
}

/* The bytes at address @addr, in the section that holds @len of them there. */
static const unsigned char *at(const Elf64_Ehdr *eh, uint64_t addr, uint64_t len)
{
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(img + eh->e_shoff);

	for (int i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_PROGBITS && addr >= sh[i].sh_addr &&
		    addr + len <= sh[i].sh_addr + sh[i].sh_size)
			return img + sh[i].sh_offset + (addr - sh[i].sh_addr);
	return NULL;
}

/*
 * The code of .noinstr.text, one entry per instruction in address order,
 * as objdump decodes it. Only what the reachability below needs: where
 * control can go next. A call falls through (a noreturn callee only makes
 * the result larger); a trap (ud2, brk) falls through too (WARN() goes on
 * after it).
 */
enum kind { SEQ, CALL, ICALL, JMP, JCC, IJMP, STOP };

struct insn {
	uint64_t addr, target;	/* target: of CALL, JMP, JCC */
	uint64_t ktarget;	/* of the jump entry at @addr, if @key */
	int fn;			/* index in funcs[], -1 outside them */
	int callee;		/* CALL, JMP, JCC into another function: its
				 * index, HOOK, or -1 (not noinstr) */
	enum kind kind;
	int key;		/* a jump entry's site: both ways at run time */
	unsigned char before;
};

struct func {
	uint64_t lo, hi;
	const char *name;
	unsigned char path, root, whole, indirect, entered;
};

#define HOOK (-2)

static struct insn *insns;
static size_t ninsns, cap;
static struct func *funcs;
static size_t nfuncs;

static int by_lo(const void *a, const void *b)
{
	const struct func *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/*
 * The functions of [lo, hi) from the symbol table, sorted. Aliases (two
 * names at one address: gcc folds identical functions, as
 * ct_kernel_enter_state() and ct_kernel_exit_state() on x86) are one
 * function, named "a/b".
 */
static void collect_funcs(uint64_t lo, uint64_t hi)
{
	size_t n = 0;

	funcs = calloc(nsyms, sizeof(*funcs));
	for (size_t i = 0; i < nsyms; i++) {
		const Elf64_Sym *s = &syms[i];

		if (s->st_name && ELF64_ST_TYPE(s->st_info) == STT_FUNC && s->st_size &&
		    s->st_value >= lo && s->st_value < hi)
			funcs[n++] = (struct func){ .lo = s->st_value, .hi = s->st_value + s->st_size,
						    .name = strs + s->st_name };
	}
	qsort(funcs, n, sizeof(*funcs), by_lo);
	nfuncs = 0;
	for (size_t i = 0; i < n; i++) {
		struct func *last = nfuncs ? &funcs[nfuncs - 1] : NULL;
		char *both;

		if (!last || funcs[i].lo != last->lo) {
			funcs[nfuncs++] = funcs[i];
		} else if (strcmp(funcs[i].name, last->name) &&
			   (both = malloc(strlen(last->name) + strlen(funcs[i].name) + 2))) {
			sprintf(both, "%s/%s", last->name, funcs[i].name);
			last->name = both;
		}
	}
}

static int func_of(uint64_t addr)
{
	size_t l = 0, h = nfuncs;

	while (l < h) {
		size_t m = (l + h) / 2;

		if (addr < funcs[m].lo)
			h = m;
		else if (addr >= funcs[m].hi)
			l = m + 1;
		else
			return m;
	}
	return -1;
}

static long insn_at(uint64_t addr)
{
	size_t l = 0, h = ninsns;

	while (l < h) {
		size_t m = (l + h) / 2;

		if (insns[m].addr < addr)
			l = m + 1;
		else
			h = m;
	}
	return l < ninsns && insns[l].addr == addr ? (long)l : -1;
}

static int is(const char *m, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(m, *list))
			return 1;
	return 0;
}

/* What the instruction @m @op does to the flow of control, x86 or arm64. */
static enum kind classify(int arm, const char *m, const char *op)
{
	static const char *const x86_stop[] = { "ret", "retq", "retl", "iret", "iretq",
		"sysretq", "sysretl", "sysexit", NULL };
	static const char *const arm_cond[] = { "cbz", "cbnz", "tbz", "tbnz", NULL };
	static const char *const arm_stop[] = { "ret", "retaa", "retab", "eret", "eretaa",
		"eretab", NULL };

	if (!arm) {
		if (!strcmp(m, "call") || !strcmp(m, "callq"))
			return *op == '*' ? ICALL : CALL;
		if (!strcmp(m, "jmp") || !strcmp(m, "jmpq"))
			return *op == '*' ? IJMP : JMP;
		if (m[0] == 'j' || !strncmp(m, "loop", 4))
			return JCC;
		return is(m, x86_stop) ? STOP : SEQ;
	}
	if (!strcmp(m, "bl"))
		return CALL;
	if (!strncmp(m, "blr", 3))
		return ICALL;
	if (!strcmp(m, "b"))
		return JMP;
	if (!strncmp(m, "b.", 2) || !strncmp(m, "bc.", 3) || is(m, arm_cond))
		return JCC;
	if (!strcmp(m, "br") || !strncmp(m, "bra", 3))	/* not brk: a trap */
		return IJMP;
	return is(m, arm_stop) ? STOP : SEQ;
}

/*
 * Read objdump -d of [lo, hi) of @path into insns[]. Lines of the form
 * "ADDR:\tMNEMONIC OPERANDS", a direct branch's target the last address
 * before " <symbol>" in its operands; x86 prefixes (cs, notrack, bnd...)
 * are skipped. With @roots, [lo, hi) is the entry code: mark the functions
 * of .noinstr.text it calls or jumps to, and keep nothing else.
 */
static int disassemble(const char *path, int arm, uint64_t lo, uint64_t hi, int roots)
{
	static const char *const prefixes[] = { "cs", "ds", "es", "ss", "fs", "gs",
		"notrack", "bnd", "lock", "rep", "repz", "repnz", "data16", "addr32",
		"rex", "rex.W", NULL };
	const char *od = getenv("OBJDUMP");
	char start[48], stop[48], line[4096];
	int pfd[2], status;
	pid_t pid;
	FILE *f;

	if (!od || !*od)
		od = arm ? "aarch64-linux-gnu-objdump" : "objdump";
	snprintf(start, sizeof(start), "--start-address=%#llx", (unsigned long long)lo);
	snprintf(stop, sizeof(stop), "--stop-address=%#llx", (unsigned long long)hi);
	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execlp(od, od, "-d", "--no-show-raw-insn", start, stop, path, (char *)NULL);
		fprintf(stderr, "isolator: noinstr-keys: cannot run %s%s\n", od,
			arm ? " (scripts/deps.sh arm64 installs it)" : "");
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *m, *op, *lt;
		struct insn in = { .callee = -1 };
		unsigned long long a;

		if (sscanf(line, " %llx:%n", &a, &(int){ 0 }) != 1 || !(p = strchr(line, ':')) ||
		    p[1] != '\t')
			continue;
		p += 2;
		p[strcspn(p, "\n")] = 0;
		for (;;) {
			m = p + strspn(p, " \t");
			p = m + strcspn(m, " \t");
			if (*p)
				*p++ = 0;
			op = p + strspn(p, " \t");
			if (arm || !is(m, prefixes) || !*op)
				break;
			p = op;
		}
		in.addr = a;
		in.fn = func_of(a);
		in.kind = classify(arm, m, op);
		if (in.kind == CALL || in.kind == JMP || in.kind == JCC) {
			lt = strstr(op, " <");
			if (!lt) {	/* objdump names every direct target */
				in.kind = in.kind == CALL ? ICALL : in.kind == JMP ? IJMP : SEQ;
			} else {
				char *t = lt;

				while (t > op && t[-1] != ' ' && t[-1] != ',' && t[-1] != '\t')
					t--;
				in.target = strtoull(t, NULL, 16);
			}
		}
		if (roots) {	/* the entry code: what it calls in .noinstr.text */
			int t = in.kind == CALL || in.kind == JMP || in.kind == JCC ?
				func_of(in.target) : -1;

			if (t >= 0)
				funcs[t].root = 1;
			continue;
		}
		if (ninsns == cap) {
			cap = cap ? 2 * cap : 65536;
			insns = realloc(insns, cap * sizeof(*insns));
		}
		insns[ninsns++] = in;
	}
	fclose(f);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "isolator: noinstr-keys: %s -d %s failed\n", od, path);
		return -1;
	}
	return ninsns || roots ? 0 : -1;
}

/* A call or tail call to the hook or to a path function. */
static int to_path(const struct insn *in)
{
	return in->callee == HOOK || (in->callee >= 0 && funcs[in->callee].path);
}

/*
 * The entry path and what runs before the hook on it:
 * 1. path: the functions from which a chain of direct calls and tail
 *    calls reaches __isolator_kernel_entry (reverse reachability, to a
 *    fixed point); of those, the ones the entry code calls (an entry from
 *    user mode starts there) and the path functions they call are
 *    "entered", the path proper. The others (the idle exit, the isolator
 *    kthread's polling section) are listed apart, as "unentered"; 2. and
 *    3. start from the entered ones only.
 * 2. before, in a path function: an instruction from which control can
 *    still reach a call to the hook or to a path function (by its jumps,
 *    the jump entries' patched jumps, and falling through; backwards, to a
 *    fixed point). A call site that is the last such call on every path
 *    from it is not before: what runs after it runs after the hook. An
 *    indirect jump could go anywhere in its function: it is before if
 *    anything there is, and it is reported (where it goes is not known).
 * 3. whole: every function called or jumped to from a before instruction,
 *    and everything those call: they run before the hook entirely. But for
 *    a path function called there: it has its own before part (2.), and
 *    what it runs after its own call to the hook runs after the hook. It
 *    goes around the hook only where the CPU was in the kernel already
 *    (ct_kernel_enter() with RCU watching, ct_nmi_enter() nested, context
 *    tracking off), synced. arm64's SError from user mode calls
 *    enter_from_user_mode() (__ct_user_exit(): the hook, then the user_exit
 *    tracepoint) and then arm64_enter_nmi() (ct_nmi_enter(), with RCU
 *    watching by then): taken wholly, __ct_user_exit()'s tracepoint
 *    would count as before.
 * Control flow, not address order: a block the compiler placed after the
 * last call (an unlikely branch) that jumps back before it is before.
 */
static void before(uint64_t hook)
{
	int changed;

	for (size_t i = 0; i < ninsns; i++) {
		struct insn *in = &insns[i];
		int t;

		if (in->kind != CALL && in->kind != JMP && in->kind != JCC)
			continue;
		if (hook && in->target == hook) {
			in->callee = HOOK;
			continue;
		}
		t = func_of(in->target);
		if (t >= 0 && (t != in->fn || (in->kind == CALL && in->target == funcs[t].lo)))
			in->callee = t;
	}
	do {
		changed = 0;
		for (size_t i = 0; i < ninsns; i++)
			if (insns[i].fn >= 0 && !funcs[insns[i].fn].path && to_path(&insns[i]))
				funcs[insns[i].fn].path = changed = 1;
	} while (changed);
	for (size_t i = 0; i < nfuncs; i++)
		funcs[i].entered = funcs[i].path && funcs[i].root;
	do {
		changed = 0;
		for (size_t i = 0; i < ninsns; i++)
			if (insns[i].fn >= 0 && funcs[insns[i].fn].entered && insns[i].callee >= 0 &&
			    funcs[insns[i].callee].path && !funcs[insns[i].callee].entered)
				funcs[insns[i].callee].entered = changed = 1;
	} while (changed);
	do {
		changed = 0;
		for (size_t i = ninsns; i-- > 0;) {
			struct insn *in = &insns[i];
			struct func *f = in->fn >= 0 ? &funcs[in->fn] : NULL;
			long next[3] = { -1, -1, -1 };

			if (!f || !f->entered || in->before)
				continue;
			if (in->kind == IJMP) {
				for (size_t j = i + 1; j < ninsns && insns[j].fn == in->fn; j++)
					in->before |= insns[j].before || to_path(&insns[j]);
				for (size_t j = i; j-- > 0 && insns[j].fn == in->fn;)
					in->before |= insns[j].before || to_path(&insns[j]);
			}
			if (in->kind != JMP && in->kind != IJMP && in->kind != STOP)
				next[0] = i + 1;
			if ((in->kind == JMP || in->kind == JCC) && in->callee == -1)
				next[1] = insn_at(in->target);
			if (in->key)	/* a jump entry's site: the patched jump too */
				next[0] = i + 1, next[2] = insn_at(in->ktarget);
			for (int k = 0; k < 3; k++) {
				long j = next[k];

				if (j >= 0 && j < (long)ninsns && insns[j].fn == in->fn &&
				    (insns[j].before || to_path(&insns[j])))
					in->before = 1;
			}
			changed |= in->before;
		}
	} while (changed);
	for (size_t i = 0; i < ninsns; i++)
		if (insns[i].before && insns[i].callee >= 0 && !funcs[insns[i].callee].path)
			funcs[insns[i].callee].whole = 1;
	do {
		changed = 0;
		for (size_t i = 0; i < ninsns; i++)
			if (insns[i].fn >= 0 && funcs[insns[i].fn].whole && insns[i].callee >= 0 &&
			    !funcs[insns[i].callee].whole)
				funcs[insns[i].callee].whole = changed = 1;
	} while (changed);
	for (size_t i = 0; i < ninsns; i++) {
		struct insn *in = &insns[i];

		if (in->fn >= 0 && (in->kind == ICALL || in->kind == IJMP) &&
		    (funcs[in->fn].whole || in->before))
			funcs[in->fn].indirect = 1;
	}
}

/* Is funcs[@i] in list @field of list()? */
static int in_list(size_t i, int field)
{
	const struct func *f = &funcs[i];

	switch (field) {
	case 0: return f->entered;
	case 1: return f->whole && !f->entered;
	case 2: return f->indirect;
	default: return f->path && !f->entered;
	}
}

static void list(const char *what, int field)
{
	int n = 0;

	for (size_t i = 0; i < nfuncs; i++)
		n += in_list(i, field);
	printf("%s %d", what, n);
	for (size_t i = 0; i < nfuncs; i++)
		if (in_list(i, field))
			printf(" %s", funcs[i].name);
	printf("\n");
}

/*
 * The calls and tail calls before the hook that leave .noinstr.text, as
 * "leaves N caller>callee...": not followed, so the keys of the callee are
 * in no line above (on x86 objtool --noinstr warns about each one outside
 * an instrumentation section).
 */
static void leaves(void)
{
	char *seen = NULL;
	size_t len = 0;
	int n = 0;
	FILE *m = open_memstream(&seen, &len);

	for (size_t i = 0; i < ninsns; i++) {
		const struct insn *in = &insns[i];
		char pair[400], tn[160];

		if (in->fn < 0 || !(in->before || funcs[in->fn].whole) || in->callee != -1 ||
		    (in->kind != CALL && in->kind != JMP && in->kind != JCC) ||
		    func_of(in->target) >= 0)
			continue;
		snprintf(pair, sizeof(pair), " %s>%s", funcs[in->fn].name,
			 sym_at(in->target, STT_FUNC, tn, sizeof(tn)));
		fflush(m);
		if (seen && strstr(seen, pair))
			continue;
		fputs(pair, m);
		n++;
	}
	fclose(m);
	printf("leaves %d%s\n", n, seen ? seen : "");
	free(seen);
}

int main(int argc, char **argv)
{
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *st, *ss;
	const unsigned char *jt;
	uint64_t lo, hi, ro_lo, ro_hi, jt_lo, jt_hi, en_lo, en_hi;
	struct stat sb;
	int fd, keys = 0, writable = 0;

	if (argc != 2) {
		fprintf(stderr, "isolator: usage: noinstr-keys VMLINUX\n");
		return 1;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &sb)) {
		fprintf(stderr, "isolator: noinstr-keys: cannot open %s\n", argv[1]);
		return 1;
	}
	img_len = sb.st_size;
	img = mmap(NULL, img_len, PROT_READ, MAP_PRIVATE, fd, 0);
	eh = (const Elf64_Ehdr *)img;
	if (img == MAP_FAILED || img_len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		fprintf(stderr, "isolator: noinstr-keys: %s is not a little-endian ELF64 file\n",
			argv[1]);
		return 1;
	}
	st = section(eh, ".symtab");
	ss = section(eh, ".strtab");
	if (!st || !ss) {
		fprintf(stderr, "isolator: noinstr-keys: %s has no symbols\n", argv[1]);
		return 1;
	}
	syms = (const Elf64_Sym *)(img + st->sh_offset);
	nsyms = st->sh_size / sizeof(*syms);
	strs = (const char *)img + ss->sh_offset;
	lo = sym_addr("__noinstr_text_start");
	hi = sym_addr("__noinstr_text_end");
	ro_lo = sym_addr("__start_ro_after_init");
	ro_hi = sym_addr("__end_ro_after_init");
	jt_lo = sym_addr("__start___jump_table");
	jt_hi = sym_addr("__stop___jump_table");
	en_lo = sym_addr("__entry_text_start");
	en_hi = sym_addr("__entry_text_end");
	jt = at(eh, jt_lo, jt_hi - jt_lo);
	if (!lo || !hi || !ro_lo || !ro_hi || !jt_lo || jt_hi < jt_lo || !jt || !en_lo || en_hi <= en_lo) {
		fprintf(stderr, "isolator: noinstr-keys: %s lacks the noinstr, ro_after_init, jump table or entry text bounds\n",
			argv[1]);
		return 1;
	}
	collect_funcs(lo, hi);
	if (disassemble(argv[1], eh->e_machine == EM_AARCH64, lo, hi, 0) ||
	    disassemble(argv[1], eh->e_machine == EM_AARCH64, en_lo, en_hi, 1))
		return 1;
	for (int pass = 0; pass < 2; pass++) {
		for (uint64_t off = 0; off + 16 <= jt_hi - jt_lo; off += 16) {
			const unsigned char *e = jt + off;
			uint64_t a = jt_lo + off;
			int32_t code, target;
			int64_t key;
			char kn[160], fn[160];
			uint64_t c, k;
			long i;
			int ro;

			memcpy(&code, e, 4);
			memcpy(&target, e + 4, 4);
			memcpy(&key, e + 8, 8);
			c = a + (int64_t)code;
			k = (a + 8 + key) & ~3ULL;
			if (c < lo || c >= hi)
				continue;
			i = insn_at(c);
			if (pass == 0) {
				/* the patched jump, for the flow of control */
				if (i >= 0)
					insns[i].key = 1, insns[i].ktarget = a + 4 + (int64_t)target;
				continue;
			}
			ro = k >= ro_lo && k < ro_hi;
			keys++;
			writable += !ro;
			printf("key %s %s in %s%s\n", sym_at(k, STT_OBJECT, kn, sizeof(kn)),
			       ro ? "ro_after_init" : "writable", sym_at(c, STT_FUNC, fn, sizeof(fn)),
			       /* a site objdump did not decode (out of step with
				* the jump table) is counted before: not passed */
			       i < 0 || insns[i].before ||
			       (insns[i].fn >= 0 && funcs[insns[i].fn].whole) ? " before-hook" : "");
		}
		if (pass == 0)
			before(sym_addr("__isolator_kernel_entry"));
	}
	list("path", 0);
	list("unentered", 3);
	list("before", 1);
	list("indirect", 2);
	leaves();
	printf("keys %d writable %d\n", keys, writable);
	return 0;
}
