// many: a benchmark fixture for leakdump.  `many N` starts N goroutines
// parked in several ways (chan receive, chan send, select, sync.Mutex.Lock,
// sync.WaitGroup.Wait, time.Sleep, a ticker, a nil chan), waits until all of
// them are parked, prints "pid PID" and "ready" on stdout (and writes the
// pid to -ready FILE if given), then sleeps forever.
//
// Memory is kept small: the goroutines share a handful of channels, one
// mutex and one WaitGroup, and each has the runtime's minimum stack.
//
// With -leak, every ninth goroutine instead blocks sending on a full
// channel of its own that nothing else references, holding 1 KiB payloads:
// a leak by construction (leak-dump --prove).  With -heap MB, the program also keeps
// about that much reachable heap: linked 64-byte nodes (half the bytes)
// and 4 KiB blobs, for the marking benchmark.  With -io M, M more
// goroutines wait reading a unix socket each (the other end kept open),
// as a server's idle connections do: IO wait, two descriptors each.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	parked atomic.Int64 // goroutines about to block

	recvCh   = make(chan int)      // nobody sends
	sendCh   = make(chan int)      // nobody receives
	selA     = make(chan int)      // nobody sends
	selB     = make(chan struct{}) // nobody receives
	nilCh    chan int              // nil: blocks forever
	mu       sync.Mutex            // held by main forever
	wg       sync.WaitGroup        // never done
	sink     atomic.Int64
	forever  = 1000 * time.Hour
	tickEach = time.Hour
)

//go:noinline
func chanRecv() { parked.Add(1); sink.Add(int64(<-recvCh)) }

//go:noinline
func chanSend() { parked.Add(1); sendCh <- 1 }

//go:noinline
func selectWait() {
	parked.Add(1)
	select {
	case v := <-selA:
		sink.Add(int64(v))
	case selB <- struct{}{}:
	}
}

//go:noinline
func mutexLock() { parked.Add(1); mu.Lock(); mu.Unlock() }

//go:noinline
func wgWait() { parked.Add(1); wg.Wait() }

//go:noinline
func sleeper() { parked.Add(1); time.Sleep(forever) }

//go:noinline
func ticker() {
	t := time.NewTicker(tickEach)
	defer t.Stop()
	parked.Add(1)
	for range t.C {
		sink.Add(1)
	}
}

//go:noinline
func nilChan() { parked.Add(1); sink.Add(int64(<-nilCh)) }

type payload struct {
	next *payload
	data [1016]byte
}

// leaked fills a one-slot channel nobody else knows and blocks sending a
// second payload: both payloads and the channel are pinned by the leak.
//
//go:noinline
func leaked() {
	c := make(chan *payload, 1)
	c <- &payload{}
	parked.Add(1)
	c <- &payload{}
}

var kinds = []func(){chanRecv, chanSend, selectWait, mutexLock, wgWait, sleeper, ticker, nilChan}

type node struct {
	next, other *node
	blob        []byte
	id          uint64
	_           [16]byte
}

var heap [][]*node // reachable: the marking benchmark's heap

// buildHeap keeps about mb MB reachable: lists of nodes (pointerful, 64
// bytes) with cross links, and noscan 4 KiB blobs hanging off some nodes.
func buildHeap(mb int) {
	nodes := (mb << 20) / 2 / 64
	blobs := (mb << 20) / 2 / 4096
	const perList = 4096
	var prev *node
	for i := 0; i < nodes; i++ {
		if i%perList == 0 {
			heap = append(heap, make([]*node, 0, perList))
		}
		l := &heap[len(heap)-1]
		n := &node{next: prev, id: uint64(i)}
		if i%97 == 0 && prev != nil {
			n.other = (*l)[len(*l)/2]
		}
		if blobs > 0 && i%(nodes/blobs+1) == 0 {
			n.blob = make([]byte, 4096)
			blobs--
		}
		*l = append(*l, n)
		prev = n
		if i%perList == perList-1 {
			prev = nil
		}
	}
}

var conns []net.Conn // the other ends of the IO waiters' sockets, kept open

// ioWait starts a goroutine blocked reading one end of a new socket pair.
func ioWait() error {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		return err
	}
	var ends [2]net.Conn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socket")
		ends[i], err = net.FileConn(f) // a dup; f is closed below
		f.Close()
		if err != nil {
			return err
		}
	}
	conns = append(conns, ends[1])
	go func(c net.Conn) {
		var b [1]byte
		parked.Add(1)
		c.Read(b[:])
	}(ends[0])
	return nil
}

// Extra frames so that one kind appears under more than one stack.
//
//go:noinline
func via1(f func()) { f() }

//go:noinline
func via2(f func()) { via1(f) }

func spawn(i int) {
	f := kinds[i%len(kinds)]
	switch (i / len(kinds)) % 3 {
	case 0:
		go f()
	case 1:
		go via1(f)
	default:
		go via2(f)
	}
}

// runnable reports the runtime's count of runnable goroutines where the
// runtime has that metric (Go 1.26+), else -1.
func runnable() int64 {
	s := []metrics.Sample{{Name: "/sched/goroutines/runnable:goroutines"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return -1
	}
	return int64(s[0].Value.Uint64())
}

func main() {
	readyFile := flag.String("ready", "", "write the pid to this file once every goroutine is parked")
	leak := flag.Bool("leak", false, "every ninth goroutine leaks (its own channel)")
	heapMB := flag.Int("heap", 0, "keep about this many MB of reachable heap")
	ioN := flag.Int("io", 0, "this many more goroutines wait reading a socket")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: many [-ready FILE] N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(flag.Arg(0))
	if err != nil || n < 0 {
		fmt.Fprintln(os.Stderr, "many: bad N:", flag.Arg(0))
		os.Exit(2)
	}
	mu.Lock()
	wg.Add(1)
	if *heapMB > 0 {
		debug.SetGCPercent(-1) // build it without a GC cycle per few MB
		buildHeap(*heapMB)
	}
	for i := 0; i < *ioN; i++ {
		if err := ioWait(); err != nil {
			fmt.Fprintln(os.Stderr, "many: -io:", err)
			os.Exit(1)
		}
	}
	for i := 0; i < n; i++ {
		if *leak && i%9 == 8 {
			go leaked()
			continue
		}
		spawn(i)
	}
	// Every goroutine has reached its blocking call, the runtime sees them
	// all, and (where the runtime can tell) none is still runnable.
	start := time.Now()
	for {
		if parked.Load() == int64(n+*ioN) && runtime.NumGoroutine() == n+*ioN+1 {
			if r := runnable(); r <= 0 {
				break
			}
		}
		if time.Since(start) > 10*time.Minute {
			fmt.Fprintln(os.Stderr, "many: goroutines not parked after 10 minutes")
			os.Exit(1)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Give the last ones time to go from "about to block" to blocked.
	time.Sleep(500 * time.Millisecond)
	pid := os.Getpid()
	if *readyFile != "" {
		if err := os.WriteFile(*readyFile, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "many:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("pid %d\nready\n", pid)
	os.Stdout.Sync()
	// Main sleeps in a loop forever: with a timer always pending the
	// runtime's deadlock detector can never fire.
	for {
		time.Sleep(time.Hour)
	}
}
