package web

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gotornado/tornado/httputil"
)

func TestArguments(t *testing.T) {
	settings, rec := quietSettings(t)
	app := NewApplication([]Rule{
		fn(`/arg`, func(h *funcHandler) error {
			name, err := h.GetArgument("name")
			if err != nil {
				return err
			}
			lang, _ := h.GetArgument("lang", "en")
			return h.WriteJSON(map[string]any{
				"name": name, "lang": lang,
				"all":   h.GetArguments("name"),
				"query": h.GetQueryArguments("name"),
				"body":  h.GetBodyArguments("name"),
			})
		}),
		fn(`/query`, func(h *funcHandler) error {
			v, err := h.GetQueryArgument("q")
			if err != nil {
				return err
			}
			return h.Finish(v)
		}),
		fn(`/body`, func(h *funcHandler) error {
			v, err := h.GetBodyArgument("b", "default")
			if err != nil {
				return err
			}
			return h.Finish(v)
		}),
	}, settings)
	base, c := serve(t, app)
	form := []string{"Content-Type", "application/x-www-form-urlencoded"}
	tests := []struct {
		name, method, uri, body string
		header                  []string
		code                    int
		want                    string
	}{
		{"query", "GET", "/arg?name=a&name=%20b%20", "", nil, 200,
			`{"all":["a","b"],"body":null,"lang":"en","name":"b","query":["a","b"]}`},
		{"query and body", "POST", "/arg?name=q&lang=fr", "name=f", form, 200,
			`{"all":["q","f"],"body":["f"],"lang":"fr","name":"f","query":["q"]}`},
		{"control characters", "GET", "/arg?name=a%01b%09c%0d", "", nil, 200,
			`{"all":["a b\tc"],"body":null,"lang":"en","name":"a b\tc","query":["a b\tc"]}`},
		{"plus is space", "GET", "/arg?name=a+b", "", nil, 200,
			`{"all":["a b"],"body":null,"lang":"en","name":"a b","query":["a b"]}`},
		{"missing", "GET", "/arg", "", nil, 400, ""},
		{"blank counts as present", "GET", "/query?q=", "", nil, 200, ""},
		{"invalid utf-8", "GET", "/query?q=%ff", "", nil, 400, ""},
		{"body only", "POST", "/body?b=query", "b=body", form, 200, "body"},
		{"body default", "POST", "/body?b=query", "", form, 200, "default"},
		{"multipart", "POST", "/body", "--X\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\nmulti\r\n--X--\r\n",
			[]string{"Content-Type", "multipart/form-data; boundary=X"}, 200, "multi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := fetch(t, c, tt.method, base+tt.uri, tt.body, tt.header...)
			if resp.StatusCode != tt.code || tt.code == 200 && body != tt.want {
				t.Errorf("%s %s = %d %q, want %d %q", tt.method, tt.uri, resp.StatusCode, body, tt.code, tt.want)
			}
		})
	}
	if !contains(rec.messages(), "WARN 400 GET /arg (127.0.0.1): Missing argument name") {
		t.Errorf("missing argument not logged: %q", rec.messages())
	}
}

func TestArgumentHelpers(t *testing.T) {
	h := &RequestHandler{req: &httputil.ServerRequest{Query: "a=1&a=+2+&bad=%ff"}}
	if got, err := h.GetArgument("a"); got != "2" || err != nil {
		t.Errorf("GetArgument(a) = %q, %v", got, err)
	}
	_, err := h.GetArgument("missing")
	var me *MissingArgumentError
	if !errors.As(err, &me) || me.Name != "missing" {
		t.Errorf("GetArgument(missing) error = %v, want MissingArgumentError", err)
	}
	if he := asHTTPError(err); he == nil || he.Code != 400 {
		t.Errorf("asHTTPError(MissingArgumentError) = %v, want 400", he)
	}
	if got := h.GetArguments("bad"); len(got) != 1 || got[0] != "\uFFFD" {
		t.Errorf("GetArguments(bad) = %q", got)
	}
	for in, want := range map[string]string{"x": "x", " x ": "x", "a\x00b": "a b", "a\x1fb": "a b", "\x0b x": "x"} {
		if got := cleanArgument(in); got != want {
			t.Errorf("cleanArgument(%q) = %q, want %q", in, got, want)
		}
	}
	if n := testing.AllocsPerRun(10, func() { cleanArgument(" clean ") }); n != 0 {
		t.Errorf("cleanArgument allocates %v times for a clean value", n)
	}
	_ = strings.TrimSpace
}

// TestArgumentsManyFields: past manyFields arguments the accessors read the
// request's maps instead of scanning its fields, with the same answers.
func TestArgumentsManyFields(t *testing.T) {
	mk := func(extra int) *RequestHandler {
		var q strings.Builder
		q.WriteString("a=q1&b=q&a=q2")
		for i := range extra {
			fmt.Fprintf(&q, "&x%d=%d", i, i)
		}
		req := &httputil.ServerRequest{Query: q.String(), Body: []byte("a=b1&c=b&a=b2")}
		req.Header.Add("Content-Type", "application/x-www-form-urlencoded")
		return &RequestHandler{req: req}
	}
	few, many := mk(0), mk(manyFields)
	if _, _, m := few.fields(allArgs); m {
		t.Fatal("a request of 6 arguments takes the map path")
	}
	if _, _, m := many.fields(allArgs); !m {
		t.Fatalf("a request of %d arguments takes the scan path", 6+manyFields)
	}
	for _, h := range []*RequestHandler{few, many} {
		for _, c := range []struct {
			src  argSource
			name string
			last string
			all  []string
		}{
			{allArgs, "a", "b2", []string{"q1", "q2", "b1", "b2"}},
			{allArgs, "b", "q", []string{"q"}},
			{allArgs, "c", "b", []string{"b"}},
			{queryArgs, "a", "q2", []string{"q1", "q2"}},
			{queryArgs, "c", "", nil},
			{bodyArgs, "a", "b2", []string{"b1", "b2"}},
			{bodyArgs, "b", "", nil},
		} {
			last := h.lastArgument(c.src, c.name)
			if last.v != c.last || last.ok != (c.all != nil) {
				t.Errorf("%d fields: lastArgument(%d, %q) = %q %v, want %q", len(h.req.QueryFields()), c.src, c.name, last.v, last.ok, c.last)
			}
			if got := h.argumentValues(c.src, c.name); !slices.Equal(got, c.all) {
				t.Errorf("%d fields: argumentValues(%d, %q) = %q, want %q", len(h.req.QueryFields()), c.src, c.name, got, c.all)
			}
		}
	}
}
