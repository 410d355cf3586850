package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"
)

// Config is the editor's configuration.
type Config struct {
	AutosaveEvery time.Duration
	Spellcheck    bool
}

// Event is broadcast to plugins when something happens to a document.
type Event struct {
	Kind string
	Path string
}

// Document is an open buffer.
type Document struct {
	Path string

	mu     sync.Mutex
	text   []rune
	dirty  bool
	cancel context.CancelFunc
	ctx    context.Context
}

// Insert inserts s at offset off.
func (d *Document) Insert(off int, s string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.text = append(d.text[:off], append([]rune(s), d.text[off:]...)...)
	d.dirty = true
}

// Editor holds the open documents and the background machinery.
type Editor struct {
	cfg Config

	mu   sync.Mutex
	docs map[string]*Document

	highlight *Highlighter
	spell     *SpellChecker
	events    []chan Event
	disk      *Disk
	index     *Indexer
}

// NewEditor starts an editor with its plugins.
func NewEditor(cfg Config) *Editor {
	ed := &Editor{
		cfg:       cfg,
		docs:      map[string]*Document{},
		highlight: NewHighlighter(),
		spell:     NewSpellChecker(cfg.Spellcheck),
		disk:      &Disk{},
		index:     &Indexer{},
	}
	for _, name := range []string{"git-gutter", "minimap", "outline", "lint"} {
		ed.Subscribe(name)
	}
	return ed
}

// Subscribe registers a plugin that consumes editor events.
func (ed *Editor) Subscribe(plugin string) {
	ch := make(chan Event, 16)
	ed.events = append(ed.events, ch)
	go runPlugin(plugin, ch)
}

// runPlugin consumes events until the editor closes the plugin's channel.
// LEAK: the editor never closes it, not even when the last document closes.
func runPlugin(name string, events <-chan Event) {
	for ev := range events {
		_ = name + ev.Kind
	}
}

func (ed *Editor) publish(ev Event) {
	for _, ch := range ed.events {
		select {
		case ch <- ev:
		default: // plugin is slow: drop
		}
	}
}

// Open opens a document and starts its per-document workers.
func (ed *Editor) Open(parent context.Context, path string) *Document {
	// LEAK: the cancel func is stored but Close never calls it.
	ctx, cancel := context.WithCancel(parent)
	d := &Document{Path: path, ctx: ctx, cancel: cancel}
	ed.mu.Lock()
	ed.docs[path] = d
	ed.mu.Unlock()
	go ed.watchExternalChanges(ctx, d)
	go ed.autosave(d)
	// Each open also gets its own event feed for the status bar.
	ed.Subscribe("status:" + path)
	ed.publish(Event{"open", path})
	return d
}

// Doc returns the open document at path.
func (ed *Editor) Doc(path string) *Document {
	ed.mu.Lock()
	defer ed.mu.Unlock()
	return ed.docs[path]
}

// OpenCount returns the number of open documents.
func (ed *Editor) OpenCount() int {
	ed.mu.Lock()
	defer ed.mu.Unlock()
	return len(ed.docs)
}

// Close forgets a document.
func (ed *Editor) Close(path string) {
	ed.mu.Lock()
	delete(ed.docs, path)
	ed.mu.Unlock()
	ed.highlight.Forget(path)
	ed.publish(Event{"close", path})
	// Forgot: d.cancel(), stopping the autosave ticker, closing the feed.
}

// watchExternalChanges reloads the document when it changes on disk, until
// the document's context is cancelled.
// LEAK: nobody cancels it (see Open).
func (ed *Editor) watchExternalChanges(ctx context.Context, d *Document) {
	<-ctx.Done()
}

// autosave saves a dirty document every AutosaveEvery.
// LEAK: a ticker loop with no way out: it never looks at d.ctx.Done().
func (ed *Editor) autosave(d *Document) {
	t := time.NewTicker(ed.cfg.AutosaveEvery)
	for range t.C {
		d.mu.Lock()
		dirty := d.dirty
		d.mu.Unlock()
		if dirty {
			ed.Save(d.ctx, d)
		}
	}
}

// Disk writes documents; it serialises writes per editor.
type Disk struct {
	mu    sync.Mutex
	saves int
}

var errReadOnly = errors.New("read-only file system")

// Save writes d to disk.
func (ed *Editor) Save(ctx context.Context, d *Document) {
	if d == nil {
		return
	}
	go func() {
		if err := ed.disk.write(d); err != nil {
			ed.publish(Event{"save-failed", d.Path})
		}
	}()
}

func (k *Disk) write(d *Document) error {
	k.mu.Lock()
	if strings.HasSuffix(d.Path, "7.go") {
		// LEAK: the early return forgets to unlock; every later save blocks.
		return errReadOnly
	}
	k.saves++
	d.mu.Lock()
	d.dirty = false
	d.mu.Unlock()
	k.mu.Unlock()
	return nil
}
