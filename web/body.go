package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gotornado/tornado/httputil"
)

// DecodeJSONBody decodes the request's JSON body into v, which must be a
// pointer, with encoding/json's rules. It returns an *HTTPError to return
// from the verb as it is: 415 Unsupported Media Type unless the
// Content-Type is application/json or another JSON type (a "+json"
// suffix), with no charset but UTF-8 and no Content-Encoding; 400 Bad
// Request for an empty body, malformed JSON, a value of the wrong type for
// v, or anything but white space after the value. The reason is in the
// response's status line and the detail in the log. A streaming handler
// has no body to decode: it gets a 500. Must be called on the handler's
// goroutine.
func (h *RequestHandler) DecodeJSONBody(v any) error {
	if h.ex != nil && h.ex.body.streamer != nil {
		return &HTTPError{Code: http.StatusInternalServerError, LogMessage: "DecodeJSONBody called by a handler that streams its body"}
	}
	if err := jsonContentType(h.req.Header.Get("Content-Type")); err != nil {
		return err
	}
	if ce := h.req.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return &HTTPError{Code: http.StatusUnsupportedMediaType, Reason: "Unsupported Content-Encoding", LogMessage: "Content-Encoding " + quoteLog(ce)}
	}
	body := h.req.Body
	if len(bytes.TrimSpace(body)) == 0 {
		return &HTTPError{Code: http.StatusBadRequest, Reason: "Empty JSON body"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return &HTTPError{Code: http.StatusBadRequest, Reason: "Wrong type in JSON body", Err: err}
		}
		var iue *json.InvalidUnmarshalError
		if errors.As(err, &iue) {
			return err // the caller's mistake: a 500
		}
		return &HTTPError{Code: http.StatusBadRequest, Reason: "Malformed JSON body", Err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &HTTPError{Code: http.StatusBadRequest, Reason: "Trailing data after JSON body", LogMessage: "at offset " + strconv.FormatInt(dec.InputOffset(), 10)}
	}
	return nil
}

// jsonContentType accepts a JSON media type with no charset but UTF-8.
func jsonContentType(ct string) error {
	if ct == "" {
		return &HTTPError{Code: http.StatusUnsupportedMediaType, Reason: "Content-Type must be application/json", LogMessage: "no Content-Type"}
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || !(mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return &HTTPError{Code: http.StatusUnsupportedMediaType, Reason: "Content-Type must be application/json", LogMessage: "Content-Type " + quoteLog(ct)}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return &HTTPError{Code: http.StatusUnsupportedMediaType, Reason: "JSON must be UTF-8", LogMessage: "charset " + quoteLog(cs)}
	}
	return nil
}

// quoteLog quotes a client's value for the log, cut short.
func quoteLog(s string) string {
	if len(s) > 100 {
		s = s[:100] + "..."
	}
	return strconv.Quote(s)
}

// Multipart bodies parsed as they arrive (Settings.SpillThreshold), for
// handlers that do not stream their body.

// startSpool sets the request's form limits, and has a multipart body
// parsed as it arrives when Settings.SpillThreshold is set.
func (d *requestDelegate) startSpool() {
	st := &d.app.settings
	if st.MaxMultipartParts == 0 && st.MaxPartHeaderSize == 0 && st.SpillThreshold <= 0 {
		return // the defaults: nothing to set, on every request
	}
	l := st.formLimits()
	d.req.SetFormLimits(l)
	if st.SpillThreshold <= 0 || d.req.Header.Has("Content-Encoding") {
		return // a Content-Encoding is refused when the whole body is parsed
	}
	if b, ok := httputil.MultipartBoundary(d.req.Header.Get("Content-Type")); ok {
		// A boundary the parser cannot use is left to ParseBody to refuse.
		d.in.spool, _ = httputil.NewMultipartParser(b, &l, st.SpillThreshold, "")
	}
}

// formLimits are the multipart limits of the settings.
func (s *Settings) formLimits() httputil.FormLimits {
	return httputil.FormLimits{MaxParts: s.MaxMultipartParts, MaxPartHeaderSize: s.MaxPartHeaderSize}
}

// spoolData feeds a piece of a multipart body to its parser; after an
// error the rest of the body is read and dropped, and the error answered
// at Finish.
func (in *delegateBody) spoolData(chunk []byte) {
	if in.spoolErr == nil {
		if _, err := in.spool.Write(chunk); err != nil {
			in.spoolErr = err
		}
	}
}

// takeSpool hands a multipart body parsed as it arrived to the request
// and to h, which removes its spilled files when the request ends. It
// returns an error that is not the body's fault (a temporary file that
// could not be written).
func (d *requestDelegate) takeSpool(h *RequestHandler) error {
	sp := d.in.spool
	if sp == nil {
		return nil
	}
	h.x().body.spool = sp
	err := d.in.spoolErr
	if err == nil {
		err = sp.Close()
	}
	d.req.SetBodyForm(sp, err)
	if err != nil && !errors.Is(err, httputil.ErrBadForm) {
		return err
	}
	return nil
}

// abandon drops what a request that ended before its handler ran left:
// the files its multipart body spilled.
func (in *delegateBody) abandon() {
	if in.spool != nil {
		in.spool.RemoveFiles()
	}
}

// endBody runs when the handler's lifetime ends: a multipart body's
// spilled files are removed.
func (h *RequestHandler) endBody() {
	x := h.ex
	if x == nil {
		return
	}
	if sp := x.body.spool; sp != nil {
		sp.RemoveFiles()
	}
	x.body.held = nil
}
