//go:build unix

package boundedio

import (
	"os"
	"syscall"
)

// openFile opens path read-only with O_NONBLOCK: opening a FIFO for reading
// then returns at once instead of waiting for a writer (open(2)), and
// O_NOCTTY keeps a terminal from becoming the controlling one. For a
// regular file O_NONBLOCK has no effect on reads.
func openFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}
