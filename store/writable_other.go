//go:build !unix

package store

import (
	"io/fs"
	"os"
)

// canWrite says whether this process may write path: a file is opened for
// writing (which changes nothing), a directory is taken as writable, as
// Windows reports no denial before a file is created in it.
func canWrite(path string) error {
	fi, err := os.Stat(path)
	if err != nil || fi.IsDir() {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	return f.Close()
}

// Owner reports who owns a file and whether this process may change its
// mode; outside Unix byok does not change modes, so every file counts as
// its own.
func Owner(fs.FileInfo) (uid int, mayChmod bool) { return -1, true }
