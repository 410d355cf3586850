package cileakdemo

import (
	"testing"
	"time"
)

var (
	mirrors = []string{"a", "b", "c", "d"}
	delays  = []time.Duration{0, time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}
)

// Run with -test.run TestFirstOf: leaks 3 goroutines per call.
func TestFirstOf(t *testing.T) {
	for i := 0; i < 5; i++ {
		if got := FirstOf(mirrors, delays); got != "a" {
			t.Fatalf("got %q", got)
		}
	}
	time.Sleep(20 * time.Millisecond) // the losers are parked by now
}

// Run with -test.run TestFirstOfFixed: leaks nothing.
func TestFirstOfFixed(t *testing.T) {
	for i := 0; i < 5; i++ {
		if got := FirstOfFixed(mirrors, delays); got != "a" {
			t.Fatalf("got %q", got)
		}
	}
	time.Sleep(20 * time.Millisecond)
}

// Run with -test.run TestHangs: never returns (the --timeout path).
func TestHangs(t *testing.T) {
	time.Sleep(time.Hour)
}
