// Reference program for scripts/gen-layouts.sh: it links the runtime
// structures leakdump reads, so that their DWARF is present.
package main

import (
	"context"
	"fmt"
	"runtime/pprof"
	"sync"
	"time"
)

var (
	mu   sync.Mutex
	wg   sync.WaitGroup
	cond = sync.NewCond(&mu)
)

func main() {
	pprof.Do(context.Background(), pprof.Labels("k", "v"), func(context.Context) {})
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	wg.Wait()
	fmt.Println(cond != nil)
}
