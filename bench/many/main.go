// many: a benchmark fixture for leakdump.  `many N` starts N goroutines
// parked in several ways (chan receive, chan send, select, sync.Mutex.Lock,
// sync.WaitGroup.Wait, time.Sleep, a ticker, a nil chan), waits until all of
// them are parked, prints "pid PID" and "ready" on stdout (and writes the
// pid to -ready FILE if given), then sleeps forever.
//
// Memory is kept small: the goroutines share a handful of channels, one
// mutex and one WaitGroup, and each has the runtime's minimum stack.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
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

var kinds = []func(){chanRecv, chanSend, selectWait, mutexLock, wgWait, sleeper, ticker, nilChan}

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
	for i := 0; i < n; i++ {
		spawn(i)
	}
	// Every goroutine has reached its blocking call, the runtime sees them
	// all, and (where the runtime can tell) none is still runnable.
	start := time.Now()
	for {
		if parked.Load() == int64(n) && runtime.NumGoroutine() == n+1 {
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
