// Package boundedio opens the files Secret Warden reads (snapshots, events,
// policy inputs, data files, Rego files) so that nothing can make it hang or
// exhaust memory: only regular files are opened (a FIFO, a device, a socket
// or a directory is refused before it is read, and the check never blocks),
// and every input is read through a counter that refuses more than a limit,
// decompressed bytes included.
package boundedio

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// Default limits (see docs/bad-input.md).
const (
	// DefaultMaxInput is the most one streamed input (a snapshot file, an
	// events file, standard input) may hold, decompressed: 1 GiB.
	DefaultMaxInput int64 = 1 << 30
	// DefaultMaxRecord is the most one value read whole may take: an event
	// record, a snapshot entry (a secret, an account, a key...), an eval
	// input document, a --data file or a Rego file: 16 MiB.
	DefaultMaxRecord int64 = 16 << 20
)

// Limits bound what one input may hold. A zero field means its default.
type Limits struct {
	// MaxInput bounds one streamed input, decompressed (DefaultMaxInput).
	MaxInput int64
	// MaxRecord bounds one value or document read whole (DefaultMaxRecord).
	MaxRecord int64
}

// WithDefaults fills the zero fields with the defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxInput <= 0 {
		l.MaxInput = DefaultMaxInput
	}
	if l.MaxRecord <= 0 {
		l.MaxRecord = DefaultMaxRecord
	}
	return l
}

// NotRegularError refuses a path that is not a regular file.
type NotRegularError struct {
	// Kind names what the path is: "directory", "named pipe (FIFO)", ...
	Kind string
}

func (e *NotRegularError) Error() string {
	return "not a regular file (" + e.Kind + "): only regular files and - (standard input) are read"
}

// TooLargeError refuses an input or a value beyond its limit.
type TooLargeError struct {
	// What was too large: "input", "decompressed input", "record", ...
	What string
	// Limit is the limit in bytes.
	Limit int64
	// Flag is the command-line flag that raises the limit.
	Flag string
}

func (e *TooLargeError) Error() string {
	msg := fmt.Sprintf("%s larger than %s", e.What, FormatSize(e.Limit))
	if e.Flag != "" {
		msg += " (raise it with " + e.Flag + ")"
	}
	return msg
}

// Flags that raise the limits, named in TooLargeError.
const (
	FlagMaxInput  = "--max-input-size"
	FlagMaxRecord = "--max-record-size"
)

// kind names the type of a file mode.
func kind(m fs.FileMode) string {
	switch t := m.Type(); {
	case t&fs.ModeDir != 0:
		return "directory"
	case t&fs.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case t&fs.ModeSocket != 0:
		return "socket"
	case t&fs.ModeCharDevice != 0:
		return "character device"
	case t&fs.ModeDevice != 0:
		return "block device"
	case t&fs.ModeSymlink != 0:
		return "symbolic link"
	case t&fs.ModeIrregular != 0:
		return "irregular file"
	default:
		return "special file"
	}
}

// CheckRegular returns a *NotRegularError unless info is a regular file.
func CheckRegular(info fs.FileInfo) error {
	if info.Mode().IsRegular() {
		return nil
	}
	return &NotRegularError{Kind: kind(info.Mode())}
}

// Open opens path for reading if it is a regular file (symbolic links are
// followed). It never blocks on a FIFO: the path is stat'ed first and
// anything but a regular file is refused without being opened; the open
// itself is non-blocking (see openFile), so a FIFO swapped in after the
// check is not waited on either; and the opened descriptor is stat'ed
// again, so what is read is what was checked. Errors are *NotRegularError
// or the *fs.PathError of the failed call.
func Open(path string) (*os.File, fs.FileInfo, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if err := CheckRegular(info); err != nil {
		return nil, nil, err
	}
	f, err := openFile(path)
	if err != nil {
		return nil, nil, err
	}
	info, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if err := CheckRegular(info); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

// ReadFile reads a whole regular file of at most max bytes (as Open); a
// larger one is refused from its size, before it is read, with a
// *TooLargeError naming flag.
func ReadFile(path string, max int64, what, flag string) ([]byte, error) {
	f, info, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info.Size() > max {
		return nil, &TooLargeError{What: what, Limit: max, Flag: flag}
	}
	return ReadAll(f, max, what, flag)
}

// ReadAll reads r whole, refusing more than max bytes with a
// *TooLargeError: at most max+1 bytes are ever read.
func ReadAll(r io.Reader, max int64, what, flag string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, &TooLargeError{What: what, Limit: max, Flag: flag}
	}
	return b, nil
}

// Counter counts the bytes read through it and fails with a *TooLargeError
// as soon as more than Max have been read (the excess is never handed on).
type Counter struct {
	r   io.Reader
	n   int64
	max int64
	err error
}

// NewCounter bounds r to max bytes; the error names what and the flag.
func NewCounter(r io.Reader, max int64, what, flag string) *Counter {
	return &Counter{r: r, max: max, err: &TooLargeError{What: what, Limit: max, Flag: flag}}
}

// Read implements io.Reader.
func (c *Counter) Read(p []byte) (int, error) {
	if c.n > c.max {
		return 0, c.err
	}
	// Read at most one byte past the limit, to tell "exactly max" from more.
	if rest := c.max + 1 - c.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		// The byte past the limit is not handed on.
		return n - int(c.n-c.max), c.err
	}
	return n, err
}

// N is the number of bytes read so far.
func (c *Counter) N() int64 { return c.n }

// gzipMagic starts every gzip stream.
var gzipMagic = []byte{0x1f, 0x8b}

// Input wraps r, an input of at most lim.MaxInput bytes: when it starts
// with the gzip magic bytes it is decompressed (multi-member streams
// included) and the decompressed bytes are bounded too. compressed tells
// which. The returned reader fails with a *TooLargeError past the limit, and
// with the gzip error (wrapped as "decompress gzip: …") on a corrupt stream.
func Input(r io.Reader, lim Limits) (rd io.Reader, compressed bool, err error) {
	lim = lim.WithDefaults()
	raw := bufio.NewReaderSize(NewCounter(r, lim.MaxInput, "input", FlagMaxInput), 64<<10)
	head, err := raw.Peek(len(gzipMagic))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, false, fmt.Errorf("read input: %w", err)
	}
	if !bytes.Equal(head, gzipMagic) {
		return raw, false, nil
	}
	zr, err := gzip.NewReader(raw)
	if err != nil {
		return nil, true, fmt.Errorf("decompress gzip: %w", err)
	}
	return &gzipErrors{NewCounter(zr, lim.MaxInput, "decompressed input", FlagMaxInput)}, true, nil
}

// gzipErrors names decompression failures as such.
type gzipErrors struct{ r io.Reader }

func (g *gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		var tl *TooLargeError
		if !errors.As(err, &tl) {
			err = fmt.Errorf("decompress gzip: %w", err)
		}
	}
	return n, err
}

// ParseSize reads a size such as 1073741824, 512MiB, 2GiB, 100MB or 64k
// (units: B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB; KB, MB... are decimal,
// K, KiB... binary; case-insensitive).
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9') {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("parse size %q: want a number of bytes, e.g. 512MiB or 2GiB", s)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse size %q: %w", s, err)
	}
	mult := map[string]int64{
		"": 1, "b": 1,
		"k": 1 << 10, "kib": 1 << 10, "kb": 1e3,
		"m": 1 << 20, "mib": 1 << 20, "mb": 1e6,
		"g": 1 << 30, "gib": 1 << 30, "gb": 1e9,
		"t": 1 << 40, "tib": 1 << 40, "tb": 1e12,
	}
	m, ok := mult[strings.ToLower(strings.TrimSpace(t[i:]))]
	if !ok {
		return 0, fmt.Errorf("parse size %q: unknown unit %q (want B, KiB, MiB, GiB, TiB, KB, MB, GB or TB)", s, strings.TrimSpace(t[i:]))
	}
	if n <= 0 {
		return 0, fmt.Errorf("parse size %q: must be positive", s)
	}
	if n > (1<<62)/m {
		return 0, fmt.Errorf("parse size %q: too large", s)
	}
	return n * m, nil
}

// FormatSize renders n bytes in the largest binary unit that divides it
// exactly (1 GiB, 16 MiB, 1500 B).
func FormatSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d %s", n/u.size, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
