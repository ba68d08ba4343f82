//go:build !unix

package boundedio

import "os"

// openFile opens path read-only (FIFOs and devices are refused by the
// Stat before it on these systems).
func openFile(path string) (*os.File, error) { return os.Open(path) }
