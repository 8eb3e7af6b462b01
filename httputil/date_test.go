package httputil

import (
	"errors"
	"testing"
	"time"
)

func TestFormatHTTPDate(t *testing.T) {
	tm := time.Date(1994, 11, 6, 9, 49, 37, 123, time.FixedZone("CET", 3600))
	if got, want := FormatHTTPDate(tm), "Sun, 06 Nov 1994 08:49:37 GMT"; got != want {
		t.Errorf("FormatHTTPDate(%v) = %q, want %q", tm, got, want)
	}
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = AppendHTTPDate(buf[:0], tm) }); n != 0 {
		t.Errorf("AppendHTTPDate allocs = %v, want 0", n)
	}
}

func TestParseHTTPDate(t *testing.T) {
	want := time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC)
	tests := []struct {
		in      string
		wantErr bool
	}{
		{"Sun, 06 Nov 1994 08:49:37 GMT", false},
		{"Sunday, 06-Nov-94 08:49:37 GMT", false},
		{"Sun Nov  6 08:49:37 1994", false},
		{"Sun, 06 Nov 1994 08:49:37 PST", true},
		{"06 Nov 1994", true},
		{"", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseHTTPDate(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrBadDate) {
					t.Errorf("ParseHTTPDate(%q) = %v, %v, want error %v", tt.in, got, err, ErrBadDate)
				}
				return
			}
			if err != nil || !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("ParseHTTPDate(%q) = %v, %v, want %v", tt.in, got, err, want)
			}
		})
	}
}
