// Package cileakdemo is the example package of examples/ci_leak_check.py:
// FirstOf asks every mirror and returns the first answer.  Its bug is the
// classic one: the losers send on an unbuffered channel nobody reads any
// more, so each call leaks len(mirrors)-1 goroutines.  FirstOfFixed gives
// the channel room for every answer.
package cileakdemo

import "time"

func fetch(mirror string, delay time.Duration) string {
	time.Sleep(delay)
	return mirror
}

// FirstOf leaks the goroutines of the mirrors that answer late.
func FirstOf(mirrors []string, delays []time.Duration) string {
	answers := make(chan string)
	for i, m := range mirrors {
		go func(m string, d time.Duration) { answers <- fetch(m, d) }(m, delays[i])
	}
	return <-answers
}

// FirstOfFixed lets every goroutine finish.
func FirstOfFixed(mirrors []string, delays []time.Duration) string {
	answers := make(chan string, len(mirrors))
	for i, m := range mirrors {
		go func(m string, d time.Duration) { answers <- fetch(m, d) }(m, delays[i])
	}
	return <-answers
}
