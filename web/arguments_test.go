package web

import (
	"errors"
	"net/url"
	"strings"
	"testing"
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
	v := url.Values{"a": {"1", " 2 "}, "bad": {"\xff"}}
	if got, err := argument(v, "a", nil); got != "2" || err != nil {
		t.Errorf("argument(a) = %q, %v", got, err)
	}
	_, err := argument(v, "missing", nil)
	var me *MissingArgumentError
	if !errors.As(err, &me) || me.Name != "missing" {
		t.Errorf("argument(missing) error = %v, want MissingArgumentError", err)
	}
	if he := asHTTPError(err); he == nil || he.Code != 400 {
		t.Errorf("asHTTPError(MissingArgumentError) = %v, want 400", he)
	}
	if got := arguments(v, "bad"); len(got) != 1 || got[0] != "\uFFFD" {
		t.Errorf("arguments(bad) = %q", got)
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
