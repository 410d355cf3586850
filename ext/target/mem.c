// SPDX-License-Identifier: MIT
/*
 * Target memory.  Segments are kept twice: in insertion order (what the
 * caller added) and as a sorted list of non-overlapping pieces, each naming
 * the newest segment that covers it.  A read is then a one-entry cache check
 * or a binary search over the pieces, plus a memcpy or a cached callback.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "leakdump/base/util.h"
#include "leakdump/target/mem.h"
#include "target/vread.h"

#define LD_CHUNK_SHIFT	16
#define LD_CHUNK_SIZE	((uint64_t)1 << LD_CHUNK_SHIFT)
#define LD_CACHE_SLOTS	256		/* 16 MiB of callback chunks */
/* A batch this big is read by two threads (one transfer is ~100 us). */
#define LD_SPLIT_MIN	(256u << 10)

enum seg_kind {
	SEG_BUFFER,
	SEG_CALLBACK,
	SEG_HOLE,
};

struct seg {
	enum seg_kind kind;
	uint64_t start, end;
	const uint8_t *buf;
	ld_mem_read_fn *fn;
	void *arg;
	char *why;			/* SEG_HOLE only; owned */
};

/* [start, end) belongs to segs[seg], the newest segment covering it. */
struct piece {
	uint64_t start, end;
	size_t seg;
};

/* A cached chunk: bytes [lo, hi) of segs[seg] are valid in data. */
struct chunk {
	bool valid;
	size_t seg;
	uint64_t base;
	uint64_t lo, hi;
	uint8_t *data;			/* one chunk, allocated on use */
};

struct proc {
	int pid;
	int fd;				/* /proc/PID/mem; -1: vm_readv */
};

struct ld_mem {
	struct seg *segs;
	size_t nsegs, segs_cap;
	struct piece *pieces;
	size_t npieces, pieces_cap;
	size_t last;			/* index of the last piece hit */
	struct chunk cache[LD_CACHE_SLOTS];
	struct proc **procs;
	size_t nprocs, procs_cap;
	struct ld_vread_buf vbuf;	/* batched reads of merged runs */
	struct ld_vsplit *split;	/* big batches: the second reader */
	bool split_tried;
	uint64_t reads;			/* transfers from callback segments */
	uint64_t bytes;			/* and the bytes they moved */
	const char *sealed;		/* ld_mem_seal()'s reason, or NULL */
};

/* Every transfer from a callback segment goes through here. */
static struct ld_error *seg_read(struct ld_mem *mem, const struct seg *seg,
				 uint64_t addr, void *buf, size_t len)
{
	if (mem->sealed)
		return ld_error_fault(addr, "address 0x%" PRIx64 " not read: %s",
				      addr, mem->sealed);
	mem->reads++;
	mem->bytes += len;
	return seg->fn(seg->arg, addr, buf, len);
}

struct ld_error *ld_mem_create(struct ld_mem **ret)
{
	struct ld_mem *mem = calloc(1, sizeof(*mem));

	if (!mem)
		return &ld_error_nomem;
	*ret = mem;
	return NULL;
}

void ld_mem_destroy(struct ld_mem *mem)
{
	size_t i;

	if (!mem)
		return;
	for (i = 0; i < mem->nsegs; i++)
		free(mem->segs[i].why);
	for (i = 0; i < LD_CACHE_SLOTS; i++)
		free(mem->cache[i].data);
	for (i = 0; i < mem->nprocs; i++) {
		if (mem->procs[i]->fd >= 0)
			close(mem->procs[i]->fd);
		free(mem->procs[i]);
	}
	free(mem->procs);
	ld_vsplit_destroy(mem->split);
	ld_vread_buf_release(&mem->vbuf);
	free(mem->segs);
	free(mem->pieces);
	free(mem);
}

/* Index of the first piece whose end lies above addr (npieces if none). */
static size_t first_piece_ending_after(const struct ld_mem *mem, uint64_t addr)
{
	size_t lo = 0, hi = mem->npieces;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (mem->pieces[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Lay segs[idx] over the pieces: pieces it overlaps are trimmed or split,
 * those it covers entirely are dropped.  O(npieces) per insertion, which is
 * fine for the few thousand segments a core has; lookups stay O(log n).
 */
static bool insert_piece(struct ld_mem *mem, size_t idx)
{
	uint64_t s = mem->segs[idx].start, e = mem->segs[idx].end;
	size_t first, last, keep_left, keep_right, nnew, i;
	struct piece left, right, *p;

	first = first_piece_ending_after(mem, s);
	last = first;
	while (last < mem->npieces && mem->pieces[last].start < e)
		last++;
	/* pieces[first, last) overlap [s, e). */
	keep_left = first < last && mem->pieces[first].start < s;
	keep_right = first < last && mem->pieces[last - 1].end > e;
	if (keep_left) {
		left = mem->pieces[first];
		left.end = s;
	}
	if (keep_right) {
		right = mem->pieces[last - 1];
		right.start = e;
	}
	nnew = keep_left + 1 + keep_right;
	if (!ld_grow((void **)&mem->pieces, &mem->pieces_cap,
		  mem->npieces - (last - first) + nnew, sizeof(struct piece)))
		return false;
	p = mem->pieces;
	memmove(&p[first + nnew], &p[last],
		(mem->npieces - last) * sizeof(*p));
	mem->npieces = mem->npieces - (last - first) + nnew;
	i = first;
	if (keep_left)
		p[i++] = left;
	p[i++] = (struct piece){ .start = s, .end = e, .seg = idx };
	if (keep_right)
		p[i] = right;
	mem->last = first;
	return true;
}

static struct ld_error *add_seg(struct ld_mem *mem, const struct seg *seg)
{
	if (seg->start >= seg->end)
		return NULL;	/* empty: nothing to map */
	if (!ld_grow((void **)&mem->segs, &mem->segs_cap, mem->nsegs + 1,
		  sizeof(struct seg)))
		return &ld_error_nomem;
	mem->segs[mem->nsegs] = *seg;
	if (!insert_piece(mem, mem->nsegs))
		return &ld_error_nomem;
	mem->nsegs++;
	return NULL;
}

struct ld_error *ld_mem_add_buffer(struct ld_mem *mem, uint64_t start,
				   const void *buf, size_t len)
{
	struct seg seg = {
		.kind = SEG_BUFFER, .start = start, .end = start + len,
		.buf = buf,
	};

	if (seg.end < start)
		return ld_error_create(LD_ERR_INVALID,
				       "buffer at 0x%" PRIx64 " wraps around",
				       start);
	return add_seg(mem, &seg);
}

struct ld_error *ld_mem_add_callback(struct ld_mem *mem, uint64_t start,
				     uint64_t end, ld_mem_read_fn *fn,
				     void *arg)
{
	struct seg seg = {
		.kind = SEG_CALLBACK, .start = start, .end = end,
		.fn = fn, .arg = arg,
	};

	return add_seg(mem, &seg);
}

struct ld_error *ld_mem_add_hole(struct ld_mem *mem, uint64_t start,
				 uint64_t end, const char *why)
{
	struct seg seg = { .kind = SEG_HOLE, .start = start, .end = end };
	struct ld_error *err;

	if (start >= end)
		return NULL;
	seg.why = strdup(why ? why : "not saved");
	if (!seg.why)
		return &ld_error_nomem;
	err = add_seg(mem, &seg);
	if (err)
		free(seg.why);
	return err;
}

/* The piece containing addr, or NULL. */
static const struct piece *lookup(struct ld_mem *mem, uint64_t addr)
{
	const struct piece *p;
	size_t i;

	if (mem->last < mem->npieces) {
		p = &mem->pieces[mem->last];
		if (addr >= p->start && addr < p->end)
			return p;
	}
	i = first_piece_ending_after(mem, addr);
	if (i == mem->npieces || mem->pieces[i].start > addr)
		return NULL;
	mem->last = i;
	return &mem->pieces[i];
}

/* Read [addr, addr+len) through the cached chunk that contains it. */
static struct ld_error *read_chunk(struct ld_mem *mem, size_t idx,
				   uint64_t addr, uint8_t *buf, size_t len)
{
	const struct seg *seg = &mem->segs[idx];
	uint64_t base = addr & ~(LD_CHUNK_SIZE - 1);
	size_t slot = (addr >> LD_CHUNK_SHIFT) % LD_CACHE_SLOTS;
	struct chunk *c = &mem->cache[slot];
	struct ld_error *err;

	if (!(c->valid && c->seg == idx && c->base == base)) {
		if (!c->data && !(c->data = malloc(LD_CHUNK_SIZE)))
			return seg_read(mem, seg, addr, buf, len);
		c->valid = true;
		c->seg = idx;
		c->base = base;
		c->lo = base > seg->start ? base : seg->start;
		/* Written so that the top chunk of memory cannot wrap. */
		c->hi = seg->end - base < LD_CHUNK_SIZE ?
			seg->end : base + LD_CHUNK_SIZE;
		err = seg_read(mem, seg, c->lo, c->data + (c->lo - base),
			      c->hi - c->lo);
		if (err) {
			/* Keep the readable prefix the callback reported. */
			if (err->code == LD_ERR_FAULT && err->address > c->lo &&
			    err->address < c->hi)
				c->hi = err->address;
			else
				c->valid = false;
			ld_error_destroy(err);
		}
	}
	if (!c->valid || addr < c->lo || addr + len > c->hi)
		return seg_read(mem, seg, addr, buf, len);
	memcpy(buf, c->data + (addr - base), len);
	return NULL;
}

/* Small reads go chunk by chunk through the cache; big ones go direct. */
static struct ld_error *read_callback(struct ld_mem *mem, size_t idx,
				      uint64_t addr, uint8_t *buf, size_t len)
{
	const struct seg *seg = &mem->segs[idx];
	struct ld_error *err;

	if (len >= LD_CHUNK_SIZE)
		return seg_read(mem, seg, addr, buf, len);
	while (len) {
		uint64_t room = LD_CHUNK_SIZE - (addr & (LD_CHUNK_SIZE - 1));
		size_t n = len < room ? len : room;

		err = read_chunk(mem, idx, addr, buf, n);
		if (err)
			return err;
		addr += n;
		buf += n;
		len -= n;
	}
	return NULL;
}

static struct ld_error *read_piece(struct ld_mem *mem, const struct piece *p,
				   uint64_t addr, uint8_t *buf, size_t len,
				   bool direct)
{
	const struct seg *seg = &mem->segs[p->seg];

	switch (seg->kind) {
	case SEG_BUFFER:
		memcpy(buf, seg->buf + (addr - seg->start), len);
		return NULL;
	case SEG_CALLBACK:
		if (direct)
			return seg_read(mem, seg, addr, buf, len);
		return read_callback(mem, p->seg, addr, buf, len);
	case SEG_HOLE:
		break;
	}
	return ld_error_fault(addr, "address 0x%" PRIx64 " %s", addr,
			      seg->why);
}

static struct ld_error *mem_read(struct ld_mem *mem, uint64_t addr,
				 void *buf, size_t len, bool direct)
{
	uint8_t *out = buf;

	while (len) {
		const struct piece *p = lookup(mem, addr);
		uint64_t n;
		struct ld_error *err;

		if (!p)
			return ld_error_fault(addr, "address 0x%" PRIx64
					      " not mapped", addr);
		n = p->end - addr;
		if (n > len)
			n = len;
		err = read_piece(mem, p, addr, out, n, direct);
		if (err)
			return err;
		addr += n;
		out += n;
		len -= n;
	}
	return NULL;
}

struct ld_error *ld_mem_read(struct ld_mem *mem, uint64_t addr, void *buf,
			     size_t len)
{
	return mem_read(mem, addr, buf, len, false);
}

struct ld_error *ld_mem_read_direct(struct ld_mem *mem, uint64_t addr,
				    void *buf, size_t len)
{
	return mem_read(mem, addr, buf, len, true);
}

/* Word reads are the hottest path: a mapped buffer is read in place. */
struct ld_error *ld_mem_read_u64(struct ld_mem *mem, uint64_t addr,
				 uint64_t *ret)
{
	const void *p = ld_mem_peek(mem, addr, sizeof(*ret));

	if (p) {
		memcpy(ret, p, sizeof(*ret));
		return NULL;
	}
	return ld_mem_read(mem, addr, ret, sizeof(*ret));
}

struct ld_error *ld_mem_read_u32(struct ld_mem *mem, uint64_t addr,
				 uint32_t *ret)
{
	const void *p = ld_mem_peek(mem, addr, sizeof(*ret));

	if (p) {
		memcpy(ret, p, sizeof(*ret));
		return NULL;
	}
	return ld_mem_read(mem, addr, ret, sizeof(*ret));
}

struct ld_error *ld_mem_read_string(struct ld_mem *mem, uint64_t ptr,
				    uint64_t len, size_t max, char **ret)
{
	struct ld_error *err;
	char *s;

	if (len > max || len >= SIZE_MAX)
		return ld_error_create(LD_ERR_CORRUPT,
				       "string at 0x%" PRIx64 " has length %"
				       PRIu64 ", above the limit %zu",
				       ptr, len, max);
	s = malloc(len + 1);
	if (!s)
		return &ld_error_nomem;
	err = ld_mem_read(mem, ptr, s, len);
	if (err) {
		free(s);
		return err;
	}
	s[len] = '\0';
	*ret = s;
	return NULL;
}

const void *ld_mem_peek(struct ld_mem *mem, uint64_t addr, size_t len)
{
	const struct piece *p = lookup(mem, addr);
	const struct seg *seg;

	if (!p || len > p->end - addr)
		return NULL;
	seg = &mem->segs[p->seg];
	if (seg->kind != SEG_BUFFER)
		return NULL;
	return seg->buf + (addr - seg->start);
}

const void *ld_mem_peek_quiet(const struct ld_mem *mem, uint64_t addr,
			      size_t len)
{
	/* No update of mem->last: another thread may be reading. */
	size_t i = first_piece_ending_after(mem, addr);
	const struct piece *p;
	const struct seg *seg;

	if (i == mem->npieces)
		return NULL;
	p = &mem->pieces[i];
	seg = &mem->segs[p->seg];
	if (p->start > addr || seg->kind != SEG_BUFFER || len > p->end - addr)
		return NULL;
	return seg->buf + (addr - seg->start);
}

void ld_mem_prefetch(const struct ld_mem *mem, uint64_t addr, size_t len)
{
	const uint8_t *at = ld_mem_peek_quiet(mem, addr, len);

	for (size_t off = 0; at && off < len; off += 64)
		__builtin_prefetch(at + off);
}

void ld_mem_invalidate(struct ld_mem *mem)
{
	size_t i;

	for (i = 0; i < LD_CACHE_SLOTS; i++)
		mem->cache[i].valid = false;
}

/* One transfer from the process; returns bytes read or -1 with errno. */
static ssize_t proc_xfer(const struct proc *pr, uint64_t addr, void *buf,
			 size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr,
				.iov_len = len };

	/* pread rejects negative offsets; nothing user-readable is there. */
	if (addr > INT64_MAX) {
		errno = EIO;
		return -1;
	}
	ssize_t r = process_vm_readv(pr->pid, &local, 1, &remote, 1, 0);

	/*
	 * process_vm_readv copies once, from the pinned pages; /proc/PID/mem
	 * copies through a bounce page, but also reads what the target
	 * cannot (a page without PROT_READ): the fallback.
	 */
	if (r == (ssize_t)len || pr->fd < 0)
		return r;
	return pread(pr->fd, buf, len, (off_t)addr);
}

/*
 * Both /proc/PID/mem and process_vm_readv stop at the first unreadable
 * page and report a short count; when a transfer fails outright we retry
 * up to the page end so the fault names the first bad page, not the start.
 */
static struct ld_error *proc_read(void *arg, uint64_t addr, void *buf,
				  size_t len)
{
	const struct proc *pr = arg;
	uint8_t *out = buf;
	size_t done = 0;

	while (done < len) {
		uint64_t at = addr + done;
		size_t want = len - done;
		size_t page_left = LD_MEM_PAGE - (at & (LD_MEM_PAGE - 1));
		ssize_t r = proc_xfer(pr, at, out + done, want);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EIO || errno == EFAULT) &&
		    want > page_left)
			r = proc_xfer(pr, at, out + done, page_left);
		if (r > 0) {
			done += r;
			continue;
		}
		if (r < 0 && errno != EIO && errno != EFAULT)
			return ld_error_os(errno, "reading process %d at 0x%"
					   PRIx64, pr->pid, at);
		return ld_error_fault(at, "address 0x%" PRIx64
				      " not readable in process %d",
				      at, pr->pid);
	}
	return NULL;
}

/* The process, when it is all of mem: then vectored reads may serve. */
static const struct proc *sole_proc(const struct ld_mem *mem)
{
	return mem->nprocs == 1 && mem->nsegs == 1 ? mem->procs[0] : NULL;
}

/*
 * What ld_vread could not read, one range at a time through the cache:
 * the fault then names its own address.
 */
static void read_singly(struct ld_mem *mem, struct ld_mem_iov *v)
{
	struct ld_error *err = ld_mem_read(mem, v->addr, v->buf, v->len);

	v->ok = !err;
	ld_error_destroy(err);
}

static void read_batch(struct ld_mem *mem, const struct proc *pr,
		       struct ld_mem_iov *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t done = 0;

		if (pr && !mem->sealed)
			done = ld_vread(pr->pid, v + i, n - i, &mem->vbuf);
		i += done;
		if (i >= n)
			break;
		/* The range that stopped the vector (or no vector at all). */
		read_singly(mem, &v[i]);
		i++;
	}
}

/* read_batch, its transfers and bytes counted in mem's. */
static void count_batch(struct ld_mem *mem, const struct proc *pr,
			struct ld_mem_iov *v, size_t n)
{
	mem->vbuf.calls = mem->vbuf.bytes = 0;
	read_batch(mem, pr, v, n);
	mem->reads += mem->vbuf.calls;
	mem->bytes += mem->vbuf.bytes;
}

/* Where to cut v[0..n) so that each part has about half the bytes. */
static size_t half_bytes(const struct ld_mem_iov *v, size_t n, size_t total)
{
	size_t i, sum = 0;

	for (i = 0; i < n && sum < total / 2; i++)
		sum += v[i].len;
	return i;
}

/* The helper thread for a big batch, started on first use. */
static struct ld_vsplit *splitter(struct ld_mem *mem, const struct proc *pr)
{
	if (!mem->split && !mem->split_tried) {
		mem->split_tried = true;
		mem->split = ld_vsplit_create(pr->pid);
	}
	return mem->split;
}

void ld_mem_read_batch(struct ld_mem *mem, struct ld_mem_iov *v, size_t n)
{
	const struct proc *pr = sole_proc(mem);
	struct ld_vsplit *sp;
	size_t total = 0, h;

	for (size_t i = 0; pr && i < n; i++)
		total += v[i].len;
	if (!pr || mem->sealed || total < LD_SPLIT_MIN ||
	    !(sp = splitter(mem, pr))) {
		count_batch(mem, pr, v, n);
		return;
	}
	/* Half on the helper, half here; then what it could not read. */
	h = half_bytes(v, n, total);
	ld_vsplit_start(sp, v, h);
	count_batch(mem, pr, v + h, n - h);
	if (!ld_vsplit_finish(sp, &mem->reads, &mem->bytes)) {
		count_batch(mem, pr, v, h);	/* it had not started */
		return;
	}
	for (size_t i = 0; i < h; i++)
		if (!v[i].ok)
			read_singly(mem, &v[i]);
}

bool ld_mem_pages_readable(const struct ld_mem *mem)
{
	if (sole_proc(mem))
		return true;
	for (size_t i = 0; i < mem->nsegs; i++)
		if (mem->segs[i].kind == SEG_CALLBACK)
			return false;
	return true;
}

/* One page on its own: the one that stopped a vector, or a good one. */
static bool read_page_alone(const struct proc *pr, uint64_t page,
			    uint8_t *out, uint64_t *calls, uint64_t *bytes)
{
	(*calls)++;
	*bytes += LD_MEM_PAGE;
	return proc_xfer(pr, page, out, LD_MEM_PAGE) == LD_MEM_PAGE;
}

void ld_mem_read_pages(const struct ld_mem *mem, const uint64_t *pages,
		       size_t n, uint8_t *out, bool *ok, uint64_t *calls,
		       uint64_t *bytes)
{
	const struct proc *pr = sole_proc(mem);
	size_t i = 0, asked, arrived;
	const void *p;

	memset(ok, 0, n * sizeof(*ok));
	while (i < n && !mem->sealed) {
		if (!pr) {
			p = ld_mem_peek_quiet(mem, pages[i], LD_MEM_PAGE);
			if (p)
				memcpy(out + i * LD_MEM_PAGE, p, LD_MEM_PAGE);
			ok[i++] = p != NULL;
			continue;
		}
		asked = ld_vread_pages(pr->pid, pages + i, n - i,
				       out + i * LD_MEM_PAGE, &arrived, calls);
		*bytes += asked * LD_MEM_PAGE;
		for (size_t k = 0; k < arrived; k++)
			ok[i + k] = true;
		i += arrived;
		if (arrived < asked) {
			ok[i] = read_page_alone(pr, pages[i],
						out + i * LD_MEM_PAGE, calls,
						bytes);
			i++;
		}
	}
}

void ld_mem_count(struct ld_mem *mem, uint64_t calls, uint64_t bytes)
{
	mem->reads += calls;
	mem->bytes += bytes;
}

struct ld_error *ld_mem_add_process(struct ld_mem *mem, int pid)
{
	struct proc *pr;
	struct ld_error *err;
	char path[64];

	if (!ld_grow((void **)&mem->procs, &mem->procs_cap, mem->nprocs + 1,
		  sizeof(*mem->procs)))
		return &ld_error_nomem;
	pr = calloc(1, sizeof(*pr));
	if (!pr)
		return &ld_error_nomem;
	pr->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	pr->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (pr->fd < 0 && errno == ENOENT) {
		err = ld_error_os(errno, "process %d", pid);
		free(pr);
		return err;
	}
	/* Any other failure (e.g. EACCES): try process_vm_readv instead. */
	err = ld_mem_add_callback(mem, 0, UINT64_MAX, proc_read, pr);
	if (err) {
		if (pr->fd >= 0)
			close(pr->fd);
		free(pr);
		return err;
	}
	mem->procs[mem->nprocs++] = pr;
	return NULL;
}

uint64_t ld_mem_target_reads(const struct ld_mem *mem)
{
	return mem->reads;
}

uint64_t ld_mem_target_bytes(const struct ld_mem *mem)
{
	return mem->bytes;
}

void ld_mem_seal(struct ld_mem *mem, const char *why)
{
	mem->sealed = why;
	/* Strict, so that a read made too late shows whatever the cache
	 * holds (the tests compare with a dump of the stopped process). */
	ld_mem_invalidate(mem);
}
