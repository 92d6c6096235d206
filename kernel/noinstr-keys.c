// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * noinstr-keys VMLINUX: the static keys that code in .noinstr.text reads
 * (kernel/entry-check.sh, issue 16 point 3). objtool of 6.12 does not check
 * them: a key that can be flipped after boot is text patched at run time,
 * which an isolated CPU has not synced when it runs its entry code before
 * the deferred sync_core. A key in .data..ro_after_init cannot be flipped
 * after boot; any other one can.
 *
 * Reads the ELF64 little-endian vmlinux (x86_64 or arm64, both with
 * relative jump entries between __start___jump_table and
 * __stop___jump_table: s32 code, s32 target, s64 key, each relative to its
 * own address; the key's two low bits are flags). Prints one line per
 * jump entry in [__noinstr_text_start, __noinstr_text_end):
 *   key <name> <ro_after_init|writable> in <function>
 * and a last line "keys N writable M". Exit 0, or 1 if the file is not
 * what it expects.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

int main(int argc, char **argv)
{
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *st, *ss;
	const unsigned char *jt;
	uint64_t lo, hi, ro_lo, ro_hi, jt_lo, jt_hi;
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
	jt = at(eh, jt_lo, jt_hi - jt_lo);
	if (!lo || !hi || !ro_lo || !ro_hi || !jt_lo || jt_hi < jt_lo || !jt) {
		fprintf(stderr, "isolator: noinstr-keys: %s lacks the noinstr, ro_after_init or jump table bounds\n",
			argv[1]);
		return 1;
	}
	for (uint64_t off = 0; off + 16 <= jt_hi - jt_lo; off += 16) {
		const unsigned char *e = jt + off;
		uint64_t a = jt_lo + off;
		int32_t code;
		int64_t key;
		char kn[160], fn[160];
		uint64_t c, k;
		int ro;

		memcpy(&code, e, 4);
		memcpy(&key, e + 8, 8);
		c = a + (int64_t)code;
		k = (a + 8 + key) & ~3ULL;
		if (c < lo || c >= hi)
			continue;
		ro = k >= ro_lo && k < ro_hi;
		keys++;
		writable += !ro;
		printf("key %s %s in %s\n", sym_at(k, STT_OBJECT, kn, sizeof(kn)),
		       ro ? "ro_after_init" : "writable", sym_at(c, STT_FUNC, fn, sizeof(fn)));
	}
	printf("keys %d writable %d\n", keys, writable);
	return 0;
}
