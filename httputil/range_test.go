package httputil

import (
	"errors"
	"slices"
	"testing"
)

func TestParseRange(t *testing.T) {
	const size = 10
	tests := []struct {
		in      string
		want    []ByteRange
		wantErr error
	}{
		{"bytes=1-2", []ByteRange{{1, 3}}, nil},
		{"bytes=6-", []ByteRange{{6, 10}}, nil},
		{"bytes=-6", []ByteRange{{4, 10}}, nil},
		{"bytes=-1", []ByteRange{{9, 10}}, nil},
		{"bytes=0-", nil, nil},  // whole file: 200
		{"bytes=-20", nil, nil}, // suffix longer than the file: whole file
		{"bytes=0-9", nil, nil},
		{"bytes=0-100", nil, nil},
		{"bytes=2-100", []ByteRange{{2, 10}}, nil},
		{"bytes=3-9223372036854775807", []ByteRange{{3, 10}}, nil},
		{"Bytes = 1-2", []ByteRange{{1, 3}}, nil},
		{"bytes=", nil, nil},
		{"bytes=-0", nil, ErrRangeNotSatisfiable},
		{"bytes=10-", nil, ErrRangeNotSatisfiable},
		{"bytes=10-20", nil, ErrRangeNotSatisfiable},
		{"bytes=5-2", nil, ErrRangeNotSatisfiable},
		{"foo=1-2", nil, nil},
		{"bytes=1-2,6-8", nil, nil},
		{"bytes=a-b", nil, nil},
		{"bytes=+1-2", nil, nil},
		{"bytes=--5", nil, nil},
		{"bytes=99999999999999999999-", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRange(tt.in, size)
			if !errors.Is(err, tt.wantErr) || !slices.Equal(got, tt.want) {
				t.Errorf("ParseRange(%q, %d) = %v, %v, want %v, %v", tt.in, size, got, err, tt.want, tt.wantErr)
			}
		})
	}
	if _, err := ParseRange("bytes=0-", 0); !errors.Is(err, ErrRangeNotSatisfiable) {
		t.Errorf("ParseRange(%q, 0) error = %v, want %v", "bytes=0-", err, ErrRangeNotSatisfiable)
	}
	if got, _ := ParseRange("bytes=", 0); got != nil {
		t.Errorf("ParseRange(%q, 0) = %v, want nil", "bytes=", got)
	}
}

func TestByteRange(t *testing.T) {
	r := ByteRange{Start: 2, End: 5}
	if got, want := r.ContentRange(10), "bytes 2-4/10"; got != want {
		t.Errorf("ContentRange(10) = %q, want %q", got, want)
	}
	if got := r.Length(); got != 3 {
		t.Errorf("Length() = %d, want 3", got)
	}
}
