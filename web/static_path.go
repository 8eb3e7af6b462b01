package web

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// errOutsideRoot is the error for a static path that leaves the root
// folder (Tornado's 403 "... is not in root static directory").
var errOutsideRoot = errors.New("not in root static directory")

// cleanStaticPath turns the path of a static URL, percent-decoded, into a
// slash-separated name relative to the root folder, for an os.Root. Like
// Tornado it cleans the path lexically ("a/../b" is "b") and refuses an
// absolute path or one that climbs above the root with errOutsideRoot; it
// refuses backslashes too, separators on Windows and never in a URL
// GoTornado makes, and a NUL byte with fs.ErrNotExist. The empty path is
// the root itself, ".". What the name leads to, symbolic links included,
// is for the os.Root to keep inside.
func cleanStaticPath(p string) (string, error) {
	switch {
	case strings.IndexByte(p, 0) >= 0:
		return "", fs.ErrNotExist
	case strings.IndexByte(p, '\\') >= 0, path.IsAbs(p):
		return "", errOutsideRoot
	}
	name := path.Clean(p)
	if name == "." {
		return name, nil
	}
	if name == ".." || strings.HasPrefix(name, "../") || !filepath.IsLocal(filepath.FromSlash(name)) {
		return "", errOutsideRoot
	}
	return name, nil
}

// openStatic opens name, from cleanStaticPath, under root. It refuses what
// is not a regular file before opening it (a FIFO would block the open):
// errNotFile, with the FileInfo, for a directory or another kind of file.
// The os.Root refuses a name, or a symbolic link, that leads out of it.
func openStatic(root *os.Root, name string) (*os.File, fs.FileInfo, error) {
	name = filepath.FromSlash(name)
	fi, err := root.Stat(name)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fi, errNotFile
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, nil, err
	}
	if fi, err = f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close() // replaced since the Stat above
		return nil, nil, errNotFile
	}
	return f, fi, nil
}

// errNotFile is openStatic's error for a directory or a special file.
var errNotFile = errors.New("not a file")

// staticError is the HTTPError for failing to open the static path p:
// 404 when there is no such file, 403 otherwise, with Tornado's log
// messages.
func staticError(p string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR),
		errors.Is(err, syscall.ENAMETOOLONG), errors.Is(err, syscall.EINVAL):
		return &HTTPError{Code: 404}
	case errors.Is(err, errNotFile):
		return &HTTPError{Code: 403, LogMessage: p + " is not a file"}
	case errors.Is(err, errOutsideRoot), escapes(err):
		return &HTTPError{Code: 403, LogMessage: p + " is not in root static directory"}
	}
	return &HTTPError{Code: 403, LogMessage: p, Err: err}
}

// escapes reports whether err is an os.Root's refusal of a name or a
// symbolic link that leads out of it, which the os package does not
// export.
func escapes(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && pe.Err != nil && pe.Err.Error() == "path escapes from parent"
}
