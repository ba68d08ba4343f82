package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"golang.org/x/term"
)

// progress is a one-line status on stderr, drawn only when stderr is a
// terminal. Log lines written through it clear the line first. It is safe
// for concurrent use.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	tty     bool
	shown   bool
	done    int
	total   int
	secrets int
}

// newProgress draws on w when w is a terminal.
func newProgress(w io.Writer) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return &progress{w: w, tty: tty}
}

// regions records account-regions read.
func (p *progress) regions(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.total = done, total
	p.draw()
}

// evaluated records secrets evaluated.
func (p *progress) evaluated(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.secrets = n
	p.draw()
}

func (p *progress) draw() {
	if !p.tty {
		return
	}
	fmt.Fprintf(p.w, "\r\033[Kwarden: read %d/%d account-regions, %d secrets evaluated", p.done, p.total, p.secrets)
	p.shown = true
}

// clear removes the line.
func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

// Write prints log output above the progress line.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
	n, err := p.w.Write(b)
	if p.total > 0 {
		p.draw()
	}
	return n, err
}

// lineHandler logs "warden: message (key=value, ...)", one line a record,
// at Info level and above.
type lineHandler struct {
	w     io.Writer
	attrs []slog.Attr
}

func newLogger(w io.Writer) *slog.Logger { return slog.New(&lineHandler{w: w}) }

func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	var kv []string
	for _, a := range h.attrs {
		kv = append(kv, a.String())
	}
	r.Attrs(func(a slog.Attr) bool {
		kv = append(kv, a.String())
		return true
	})
	line := "warden: " + r.Message
	if len(kv) > 0 {
		line += " (" + strings.Join(kv, ", ") + ")"
	}
	_, err := fmt.Fprintln(h.w, line)
	return err
}

func (h *lineHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &lineHandler{w: h.w, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *lineHandler) WithGroup(string) slog.Handler { return h }
