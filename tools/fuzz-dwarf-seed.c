// SPDX-License-Identifier: MIT
/*
 * Source of the fuzz_elf seed with DWARF (tools/fuzz-seeds.py): gcc's
 * DWARF for a few structures shaped like the Go runtime's, whose
 * "runtime_" names the script rewrites to "runtime." in the linked file
 * (same length), so leakdump's DWARF reader finds runtime.g, its nested
 * sched.sp, typedefs, variables and constants as in a Go binary.
 */
typedef unsigned long uintptr;
typedef struct runtime_stack { uintptr lo, hi; } runtime_stack;
struct runtime_gobuf { uintptr sp, pc, g, ctxt, ret, lr, bp; };
typedef struct runtime_gobuf runtime_gobuf_t;
struct runtime_sudog;
struct runtime_m { struct runtime_g *g0; unsigned long procid; };
struct runtime_g {
	runtime_stack stack;
	uintptr stackguard0, stackguard1;
	struct runtime_m *m;
	runtime_gobuf_t sched;
	uintptr syscallsp, syscallpc;
	unsigned int atomicstatus;
	unsigned long goid;
	long waitsince;
	unsigned char waitreason;
	struct runtime_sudog *waiting;
	const volatile unsigned long parentGoid;
};
struct runtime_waitq { struct runtime_sudog *first, *last; };
struct runtime_hchan {
	unsigned long qcount, dataqsiz;
	void *buf;
	unsigned short elemsize;
	unsigned int closed;
	struct runtime_waitq recvq, sendq;
};
struct runtime_sudog {
	struct runtime_g *g;
	struct runtime_sudog *next, *prev;
	void *elem;
	struct runtime_hchan *c;
	union { long a; char b[8]; } u;
};
enum { runtime__Gidle, runtime__Grunnable, runtime__Grunning,
       runtime__Gsyscall, runtime__Gwaiting, runtime__Gscan = 0x1000 };
struct runtime_slice { struct runtime_g **array; long len, cap; };
struct runtime_slice runtime_allgs;
unsigned long runtime_allglen;
struct runtime_hchan runtime_chan;
struct runtime_sudog runtime_sg;
static const int runtime_consts = runtime__Gwaiting | runtime__Gscan;

void _start(void)
{
	runtime_allglen = (unsigned long)&runtime_allgs + runtime_consts +
			  (unsigned long)&runtime_chan +
			  (unsigned long)&runtime_sg;
	for (;;)
		;
}
