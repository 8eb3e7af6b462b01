package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gotornado/tornado/web"
)

// uploadHandler hashes a PUT body as it arrives (Tornado's
// @stream_request_body): it never holds more than one piece of it.
type uploadHandler struct {
	web.RequestHandler
	n   int64
	sum hash.Hash
}

// Prepare runs once the head has arrived, before any of the body.
func (h *uploadHandler) Prepare() error {
	h.SetMaxBodySize(10 << 30) // this route takes up to 10 GiB
	h.sum = sha256.New()
	return nil
}

// DataReceived gets each piece of the body; implementing it makes the
// handler a web.BodyStreamer.
func (h *uploadHandler) DataReceived(chunk []byte) error {
	h.n += int64(len(chunk))
	h.sum.Write(chunk)
	return nil
}

// Put runs once the whole body has arrived.
func (h *uploadHandler) Put() error {
	return h.WriteJSON(map[string]any{"bytes": h.n, "sha256": hex.EncodeToString(h.sum.Sum(nil))[:16]})
}

func ExampleBodyStreamer() {
	app := web.NewApplication([]web.Rule{web.R[uploadHandler](`/upload`)}, web.Settings{})
	srv := httptest.NewServer(app)
	defer srv.Close()

	req, _ := http.NewRequest("PUT", srv.URL+"/upload", strings.NewReader(strings.Repeat("data", 1<<18)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(b))
	// Output: 200 {"bytes":1048576,"sha256":"814841ecc5eaf7a8"}
}
