package web

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"strconv"
	"unsafe"

	"github.com/gotornado/tornado/httputil"
)

// maxEtagBody is the largest body an etagCache keeps to compare with the
// next one.
const maxEtagBody = 256

// etagCache is a handler's storage for the Etag and Content-Length values
// the framework adds to a response, so that they cost no allocation, with
// the last small body and its tag: a body served again (the common case
// for a pooled handler of one rule) is compared, not hashed. The values it
// returns alias this storage; they are valid until the handler is reused,
// by which time the headers holding them have been reset.
type etagCache struct {
	tag    [2 + 2*sha1.Size]byte
	length [20]byte
	body   []byte // the body tag was computed for, if valid
	valid  bool
	field  httputil.Header // "Etag: tag", checked once per tag
	fresh  bool            // field holds the current tag
}

// header returns the Etag of body as a checked header field, checked
// again only when the tag changes.
func (c *etagCache) header(body []byte) *httputil.Header {
	tag := c.of(body)
	if !c.fresh {
		c.field.Reset()
		c.field.AddChecked("Etag", tag)
		c.fresh = true
	}
	return &c.field
}

// of returns the quoted hex SHA-1 of body.
func (c *etagCache) of(body []byte) string {
	if !c.valid || !bytes.Equal(c.body, body) {
		sum := sha1.Sum(body)
		c.tag[0], c.tag[len(c.tag)-1] = '"', '"'
		hex.Encode(c.tag[1:], sum[:])
		c.fresh = false
		c.valid = len(body) <= maxEtagBody
		if c.valid {
			c.body = append(c.body[:0], body...)
		}
	}
	return unsafe.String(&c.tag[0], len(c.tag))
}

// contentLength returns n in decimal, as a string aliasing c's storage.
func (c *etagCache) contentLength(n int) string {
	b := strconv.AppendInt(c.length[:0], int64(n), 10)
	return unsafe.String(&b[0], len(b))
}
