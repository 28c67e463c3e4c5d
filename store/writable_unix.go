//go:build unix

package store

import (
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// canWrite says whether this process may write path (a file) or create
// files in it (a directory), by the kernel's own rules: permission bits,
// ownership, a read-only mount, and root's exemption from the bits.
func canWrite(path string) error {
	if err := unix.Access(path, unix.W_OK); err != nil {
		return &fs.PathError{Op: "write", Path: path, Err: err}
	}
	return nil
}

// Owner reports the user id that owns a file and whether this process may
// change its mode: it owns the file, or it is root. byok tightens only
// what it may change, and says so about the rest rather than failing on
// a chmod the kernel will refuse.
func Owner(fi fs.FileInfo) (uid int, mayChmod bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return -1, true
	}
	euid := os.Geteuid()
	return int(st.Uid), euid == 0 || int(st.Uid) == euid
}
