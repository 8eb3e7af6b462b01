package web

import (
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/gotornado/tornado/httputil"
)

// ErrNoStaticPath is returned by StaticURL when Settings.StaticPath is not
// set (Tornado's require_setting).
var ErrNoStaticPath = errors.New("web: StaticURL needs Settings.StaticPath")

// staticVersion is the content hash of one state of a static file, with
// the header fields derived from it. It does not change once made.
type staticVersion struct {
	size    int64
	modTime time.Time
	sum     string          // hex SHA-512 of the content
	fields  httputil.Header // Etag and Last-Modified, checked once
}

// staticHashes caches the content hash of static files by path (Tornado's
// StaticFileHandler._static_hashes), for StaticURL and the Etag of
// StaticFileHandler. An entry is used only while the file keeps its size
// and modification time, so a file replaced in place is hashed again.
// Safe for concurrent use: the loops of an Application share it.
type staticHashes struct {
	m sync.Map // of string (root and name joined) → *staticVersion
}

// lookup returns the cached version of the file key, if fi still
// describes it and caching is on.
func (c *staticHashes) lookup(key string, fi fs.FileInfo, reload bool) *staticVersion {
	if reload {
		return nil
	}
	v, ok := c.m.Load(key)
	if !ok {
		return nil
	}
	ver := v.(*staticVersion)
	if ver.size != fi.Size() || !ver.modTime.Equal(fi.ModTime()) {
		return nil
	}
	return ver
}

// store makes the version of the file key, whose content hashes to sum,
// and caches it unless reload.
func (c *staticHashes) store(key string, fi fs.FileInfo, sum string, reload bool) *staticVersion {
	ver := &staticVersion{size: fi.Size(), modTime: fi.ModTime(), sum: sum}
	ver.fields.AddChecked("Etag", `"`+sum+`"`)
	ver.fields.AddChecked("Last-Modified", httputil.FormatHTTPDate(lastModified(fi)))
	if !reload {
		c.m.Store(key, ver)
	}
	return ver
}

// lastModified is a file's modification time as static files send it,
// in whole seconds (Tornado truncates it too).
func lastModified(fi fs.FileInfo) time.Time { return fi.ModTime().UTC().Truncate(time.Second) }

// hashContent returns the hex SHA-512 of b (Tornado's get_content_version).
func hashContent(b []byte) string {
	sum := sha512.Sum512(b)
	return hex.EncodeToString(sum[:])
}

// hashFile returns the hex SHA-512 of the first size bytes of f, read with
// ReadAt, so it may run on another goroutine than f's other readers.
func hashFile(f *os.File, size int64) (string, error) {
	h := sha512.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, size)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// reloadStaticHashes reports whether content hashes are computed afresh
// every time (Settings.ReloadStaticHashes, implied by Debug).
func (a *Application) reloadStaticHashes() bool {
	return a.settings.ReloadStaticHashes || a.settings.Debug
}

// staticURLPrefix is Settings.StaticURLPrefix, "/static/" by default.
func (s *Settings) staticURLPrefix() string {
	if s.StaticURLPrefix == "" {
		return "/static/"
	}
	return s.StaticURLPrefix
}

// StaticURL returns the URL of the static file path, relative to
// Settings.StaticPath (Tornado's static_url): Settings.StaticURLPrefix,
// path, and "?v=" with the hex SHA-512 of the file's content, so that the
// URL changes with the file and StaticFileHandler lets clients cache it
// for ten years. The hash is cached per file (while its size and
// modification time stay the same) unless Settings.ReloadStaticHashes or
// Debug is set. A file that cannot be read, or lies outside the folder,
// is logged as an error and gets a URL without version, as in Tornado.
// StaticURL fails only with ErrNoStaticPath. The file is hashed on the
// calling goroutine: keep static files small, or warm the cache at start.
// Must be called on the handler's goroutine.
func (h *RequestHandler) StaticURL(path string) (string, error) {
	return h.app.staticURL(path)
}

// staticURL is StaticURL; safe for concurrent use.
func (a *Application) staticURL(path string) (string, error) {
	s := &a.settings
	if s.StaticPath == "" {
		return "", ErrNoStaticPath
	}
	url := s.staticURLPrefix() + path
	ver, err := a.staticVersion(s.StaticPath, path)
	if err != nil {
		a.logger().Error("Could not open static file "+strconv.Quote(filepath.Join(s.StaticPath, path)), "err", err)
		return url, nil
	}
	return url + "?v=" + ver.sum, nil
}

// staticVersion returns the version of the file p (a URL path) under root,
// hashing it unless it is cached.
func (a *Application) staticVersion(root, p string) (*staticVersion, error) {
	name, err := cleanStaticPath(p)
	if err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	key := filepath.Join(root, name)
	reload := a.reloadStaticHashes()
	if fi, err := r.Stat(filepath.FromSlash(name)); err == nil {
		if ver := a.static.lookup(key, fi, reload); ver != nil {
			return ver, nil // a Stat, not an open, for a cached file
		}
	}
	f, fi, err := openStatic(r, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sum, err := hashFile(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("web: hashing %s: %w", key, err)
	}
	return a.static.store(key, fi, sum, reload), nil
}
