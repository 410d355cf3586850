// SPDX-License-Identifier: MIT
/*
 * A live process as a target: memory through /proc/PID/mem (mem.c), and
 * what else /proc/PID tells: the load bias (auxv), the writable mappings
 * (maps), what a file descriptor is (fd, net), and a clock shared with
 * ours.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "leakdump/base/util.h"
#include "leakdump/target/target.h"

/* Load bias of a live PIE process from /proc/PID/auxv's AT_ENTRY. */
static uint64_t live_bias(int pid, const struct ld_binary *bin)
{
	uint64_t auxv[2 * 64];
	char path[64];
	ssize_t n;
	int fd;

	if (bin->type != ET_DYN)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/auxv", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, auxv, sizeof(auxv));
	close(fd);
	for (ssize_t i = 0; n > 0 && i + 1 < n / 8; i += 2)
		if (auxv[i] == AT_ENTRY)
			return auxv[i + 1] - bin->entry;
	return 0;
}

static struct ld_error *live_open(struct ld_target *t,
				  const struct ld_target_spec *spec,
				  const struct ld_binary *bin,
				  struct ld_mem *mem)
{
	t->bias = spec->load_bias ? spec->load_bias :
				    live_bias(spec->pid, bin);
	return ld_mem_add_process(mem, spec->pid);
}

/* Writable mappings of a live process, from /proc/PID/maps. */
static bool live_mappings(const struct ld_target *t, ld_target_range_fn *fn,
			  void *arg)
{
	char path[64], line[512], perms[8];
	unsigned long long lo, hi;
	bool ok = true;
	FILE *f;

	if (t->pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/maps", t->pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (ok && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) == 3 &&
		    perms[1] == 'w')
			ok = fn(arg, lo, hi);
		/* A long path: skip the rest of the line. */
		while (!strchr(line, '\n') && fgets(line, sizeof(line), f))
			;
	}
	fclose(f);
	return ok;
}

/* ---- /proc/PID/net ---- */

static void format_addr(char *out, size_t len, const char *hex, bool v6)
{
	unsigned int a[4], port;
	char ip[64];

	if (!v6 && sscanf(hex, "%8x:%x", &a[0], &port) == 2) {
		snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a[0] & 0xff,
			 (a[0] >> 8) & 0xff, (a[0] >> 16) & 0xff, a[0] >> 24);
		snprintf(out, len, "%s:%u", ip, port);
	} else if (v6 && sscanf(hex, "%8x%8x%8x%8x:%x", &a[0], &a[1], &a[2],
				&a[3], &port) == 5) {
		char *p = ip;

		*p++ = '[';
		for (int i = 0; i < 4; i++) {
			uint32_t w = a[i];

			p += sprintf(p, "%x:%x%s", (w & 0xff) << 8 |
				     ((w >> 8) & 0xff),
				     ((w >> 16) & 0xff) << 8 | (w >> 24),
				     i < 3 ? ":" : "");
		}
		*p++ = ']';
		*p = '\0';
		snprintf(out, len, "%s:%u", ip, port);
	} else {
		snprintf(out, len, "?");
	}
}

static const char *tcp_state(unsigned int st)
{
	static const char *const names[] = {
		"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
		"FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK",
		"LISTEN", "CLOSING",
	};

	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

/*
 * The sockets asked about: inode -> 1 + the index of the first fd on it.
 * Each table below is read once for all of them: read once per fd, a
 * process with thousands of connections kept its target stopped for
 * minutes (each read of /proc/PID/net/unix lists every socket).
 */
struct socks {
	struct ld_u64map first;
	char **out;
};

static char **slot_of(const struct socks *sk, uint64_t inode)
{
	uint64_t v = ld_u64map_get(&sk->first, inode);

	return v && !sk->out[v - 1] ? &sk->out[v - 1] : NULL;
}

static void scan_inet(int pid, const char *table, const char *proto,
		      bool v6, const struct socks *sk)
{
	char path[64], line[512], local[64], remote[64], la[80], ra[80];
	unsigned long long ino;
	unsigned int st;
	char **slot;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, table);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*d: %63s %63s %x %*s %*s %*s %*s %*s %llu",
			   local, remote, &st, &ino) != 4 ||
		    !(slot = slot_of(sk, ino)))
			continue;
		format_addr(la, sizeof(la), local, v6);
		format_addr(ra, sizeof(ra), remote, v6);
		if (st == 10)
			asprintf(slot, "%s %s LISTEN", proto, la);
		else if (!strcmp(proto, "UDP"))
			asprintf(slot, "%s %s -> %s", proto, la, ra);
		else
			asprintf(slot, "%s %s -> %s %s", proto, la, ra,
				 tcp_state(st));
	}
	fclose(f);
}

static void scan_unix(int pid, const struct socks *sk)
{
	char path[64], line[512], name[256];
	unsigned long long ino;
	char **slot;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/unix", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		name[0] = '\0';
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %llu %255s", &ino,
			   name) < 1 || !(slot = slot_of(sk, ino)))
			continue;
		asprintf(slot, "unix %s", name[0] ? name : "(unnamed)");
	}
	fclose(f);
}

/* ---- /proc/PID/fd ---- */

/* What fd links to (into link, of len bytes), or false. */
static bool fd_link(int pid, int64_t fd, char *link, size_t len)
{
	char path[64];
	ssize_t n;

	if (fd < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/fd/%lld", pid, (long long)fd);
	n = readlink(path, link, len - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	return true;
}

/* Sockets: every table once, then fds sharing a socket share its name. */
static void describe_sockets(int pid, size_t n, const uint64_t *inode,
			     struct socks *sk)
{
	scan_inet(pid, "tcp", "TCP", false, sk);
	scan_inet(pid, "tcp6", "TCP", true, sk);
	scan_inet(pid, "udp", "UDP", false, sk);
	scan_inet(pid, "udp6", "UDP", true, sk);
	scan_unix(pid, sk);
	for (size_t i = 0; i < n; i++) {
		uint64_t first;

		if (!inode[i])
			continue;
		first = ld_u64map_get(&sk->first, inode[i]) - 1;
		if (first != i && sk->out[first])
			sk->out[i] = strdup(sk->out[first]);
		else if (!sk->out[i])
			asprintf(&sk->out[i], "socket inode %llu",
				 (unsigned long long)inode[i]);
	}
}

static void live_describe_fds(const struct ld_target *t, const int64_t *fds,
			      size_t n, char **out)
{
	struct socks sk = { .out = out };
	uint64_t *inode = calloc(n, sizeof(*inode));
	unsigned long long ino;
	char link[512];
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		out[i] = NULL;
		if (!t->pid || !fd_link(t->pid, fds[i], link, sizeof(link)))
			continue;
		if (inode && sscanf(link, "socket:[%llu]", &ino) == 1 && ino) {
			inode[i] = ino;
			any = true;
			if (!ld_u64map_get(&sk.first, ino) &&
			    !ld_u64map_put(&sk.first, ino, i + 1))
				inode[i] = 0;
			continue;
		}
		out[i] = strdup(strncmp(link, "pipe:", 5) ? link : "pipe");
	}
	if (any)
		describe_sockets(t->pid, n, inode, &sk);
	ld_u64map_release(&sk.first);
	free(inode);
}

/* The runtime's nanotime() is CLOCK_MONOTONIC, which we share. */
static bool live_now(const struct ld_target *t, int64_t *ret)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	*ret = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return true;
}

const struct ld_target_ops ld_target_live_ops = {
	.name = "live",
	.open = live_open,
	.mappings = live_mappings,
	.describe_fds = live_describe_fds,
	.now = live_now,
};
