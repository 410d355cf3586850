// Command leaky-editor is a tiny editor service with the goroutine leaks real
// services have.  It opens a batch of documents, edits, saves and closes
// most of them, then keeps running so you can look at it with leak-dump:
//
//	go build -o leaky-editor . && ./leaky-editor -ready /tmp/editor.ready &
//	gdb -nx -batch -x ../../gdbinit -p $! -ex leak-dump
//
// Each leak is marked LEAK in the code.  After start-up the process holds a
// few hundred goroutines; every one of them but main is leaked.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

func main() {
	docs := flag.Int("docs", 48, "documents to open")
	keep := flag.Int("keep", 8, "documents left open")
	ready := flag.String("ready", "", "create this file once the session is set up")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("leaky-editor: ")

	ed := NewEditor(Config{
		AutosaveEvery: 30 * time.Second,
		Spellcheck:    false, // the spell-check service is disabled...
	})
	ctx := context.Background()

	for i := 0; i < *docs; i++ {
		doc := ed.Open(ctx, fmt.Sprintf("src/file%02d.go", i))
		doc.Insert(0, "package main\n\nfunc main() {}\n")
		ed.Highlight(doc)
		ed.CheckSpelling(doc)
	}
	for i := 0; i < *docs; i++ {
		ed.Save(ctx, ed.Doc(fmt.Sprintf("src/file%02d.go", i)))
	}
	ed.Reindex(ctx)
	for i := *keep; i < *docs; i++ {
		ed.Close(fmt.Sprintf("src/file%02d.go", i))
	}

	time.Sleep(300 * time.Millisecond) // let everything settle into its leak
	fmt.Printf("leaky-editor: pid %d, %d goroutines, %d documents open\n",
		os.Getpid(), runtime.NumGoroutine(), ed.OpenCount())
	if *ready != "" {
		if err := os.WriteFile(*ready, []byte(fmt.Sprintln(os.Getpid())), 0o644); err != nil {
			log.Fatal(err)
		}
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	log.Printf("shutting down with %d goroutines", runtime.NumGoroutine())
}
