package main

import (
	"context"
	"sync"
	"unicode"
)

// Highlighter tokenises documents in the background.
type Highlighter struct {
	mu      sync.Mutex
	workers map[string]*highlightWorker
}

type highlightWorker struct {
	path     string
	requests chan []rune
	results  chan []Token
	quit     chan struct{}
}

// Token is a highlighted span.
type Token struct {
	Start, End int
	Class      string
}

// NewHighlighter returns an idle highlighter.
func NewHighlighter() *Highlighter {
	return &Highlighter{workers: map[string]*highlightWorker{}}
}

// Highlight asks for doc to be highlighted, starting its worker if needed.
func (ed *Editor) Highlight(d *Document) {
	h := ed.highlight
	h.mu.Lock()
	w := h.workers[d.Path]
	if w == nil {
		w = &highlightWorker{
			path:     d.Path,
			requests: make(chan []rune),
			results:  make(chan []Token),
			quit:     make(chan struct{}),
		}
		h.workers[d.Path] = w
		go w.loop()
	}
	h.mu.Unlock()
	d.mu.Lock()
	text := append([]rune(nil), d.text...)
	d.mu.Unlock()
	w.requests <- text
	// The UI picks up w.results on its next frame... which never comes.
}

// loop highlights every request and delivers the tokens.
// LEAK: after the first request the worker blocks in the select forever: no
// one reads results, and Forget drops the worker without closing quit.
func (w *highlightWorker) loop() {
	var pending []Token
	var out chan []Token
	for {
		select {
		case text := <-w.requests:
			pending = tokenize(text)
			out = w.results
		case out <- pending:
			out = nil
		case <-w.quit:
			return
		}
	}
}

// Forget drops the document's worker.
func (h *Highlighter) Forget(path string) {
	h.mu.Lock()
	delete(h.workers, path)
	h.mu.Unlock()
}

func tokenize(text []rune) []Token {
	var toks []Token
	start := -1
	for i, r := range text {
		word := unicode.IsLetter(r) || r == '_'
		if word && start < 0 {
			start = i
		}
		if !word && start >= 0 {
			toks = append(toks, Token{start, i, classify(string(text[start:i]))})
			start = -1
		}
	}
	return toks
}

func classify(w string) string {
	switch w {
	case "package", "func", "return", "if", "for", "go", "select":
		return "keyword"
	}
	return "ident"
}

// SpellChecker talks to a spell-check service when enabled.
type SpellChecker struct {
	results chan []string // nil when the service is disabled
}

// NewSpellChecker connects to the spell-check service if enabled.
func NewSpellChecker(enabled bool) *SpellChecker {
	s := &SpellChecker{}
	if enabled {
		s.results = make(chan []string)
	}
	return s
}

// CheckSpelling waits for the service's verdict in the background.
// LEAK: with the service disabled s.results is nil: receiving blocks forever.
func (ed *Editor) CheckSpelling(d *Document) {
	go func() {
		misspelled := <-ed.spell.results
		_ = misspelled
	}()
}

// Indexer builds the symbol index of all open documents.
type Indexer struct {
	mu      sync.Mutex
	symbols map[string][]string
}

// Reindex indexes every open document in parallel and publishes the index
// when all workers are done.
// LEAK: a worker that finds an empty document returns without wg.Done, so
// the waiter (and Reindex's publisher goroutine) never finishes.
func (ed *Editor) Reindex(ctx context.Context) {
	ed.mu.Lock()
	docs := make([]*Document, 0, len(ed.docs))
	for _, d := range ed.docs {
		docs = append(docs, d)
	}
	ed.mu.Unlock()
	docs = append(docs, &Document{Path: "scratch"}) // the empty scratch buffer
	var wg sync.WaitGroup
	for _, d := range docs {
		wg.Add(1)
		go func(d *Document) {
			d.mu.Lock()
			text := append([]rune(nil), d.text...)
			d.mu.Unlock()
			if len(text) == 0 {
				return // forgot wg.Done()
			}
			ed.index.add(d.Path, tokenize(text))
			wg.Done()
		}(d)
	}
	go func() {
		wg.Wait()
		ed.publish(Event{"index-ready", ""})
	}()
}

func (ix *Indexer) add(path string, toks []Token) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.symbols == nil {
		ix.symbols = map[string][]string{}
	}
	for _, t := range toks {
		ix.symbols[path] = append(ix.symbols[path], t.Class)
	}
}
