package httputil

import (
	"net/url"
	"reflect"
	"testing"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in   string
		want url.Values
	}{
		{"", url.Values{}},
		{"a=1&b=2", url.Values{"a": {"1"}, "b": {"2"}}},
		{"a=1&a=2&a=", url.Values{"a": {"1", "2", ""}}},
		{"a", url.Values{"a": {""}}},
		{"a=&&b", url.Values{"a": {""}, "b": {""}}},
		{"=x", url.Values{"": {"x"}}},
		{"a=b=c", url.Values{"a": {"b=c"}}},
		{"q=hello+world&r=%41%42", url.Values{"q": {"hello world"}, "r": {"AB"}}},
		{"caf%C3%A9=%e9", url.Values{"café": {"\xe9"}}},
		{"bad=%zz%4&x=%", url.Values{"bad": {"%zz%4"}, "x": {"%"}}},
		{"a=1;b=2", url.Values{"a": {"1;b=2"}}},
		{"%2B=%26", url.Values{"+": {"&"}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := ParseQuery(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseQuery(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestUnescapeNoAlloc(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = unescape("plain-value", true) }); n != 0 {
		t.Errorf("unescape(%q) allocs = %v, want 0", "plain-value", n)
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "a=1&b=2", "a=%zz&b=%4", "x+y=%41+", "&&=&a", "%C3%A9=%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := ParseQuery(s)
		// Every key/value pair re-encodes to something that parses back the same.
		if got := ParseQuery(v.Encode()); len(v) > 0 && !reflect.DeepEqual(got, v) {
			t.Errorf("ParseQuery(%q) = %v, but its encoding parses to %v", s, v, got)
		}
	})
}

func BenchmarkParseQuery(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = ParseQuery("id=42&name=hello+world&tags=a&tags=b&empty=&flag")
	}
}
