package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tornadoVectors is testdata/tornado_signed_vectors.json, written by
// testdata/gen_tornado_vectors.py with Python Tornado.
type tornadoVectors struct {
	TornadoVersion string `json:"tornado_version"`
	Create         []struct {
		vectorSecret
		Name       string  `json:"name"`
		ValueB64   string  `json:"value_b64"`
		Version    int     `json:"version"`
		KeyVersion int     `json:"key_version"`
		Clock      float64 `json:"clock"`
		Status     string  `json:"status"`
		Signed     string  `json:"signed"`
	} `json:"create"`
	CreateNonASCIIName []struct {
		Secret     string  `json:"secret"`
		Name       string  `json:"name"`
		Signed     string  `json:"signed"`
		DecodedB64 *string `json:"decoded_b64"`
	} `json:"create_non_ascii_name"`
	Decode []struct {
		vectorSecret
		Why        string  `json:"why"`
		Name       string  `json:"name"`
		Signed     string  `json:"signed"`
		Clock      float64 `json:"clock"`
		MaxAgeDays float64 `json:"max_age_days"`
		MinVersion int     `json:"min_version"`
		Status     string  `json:"status"`
		DecodedB64 *string `json:"decoded_b64"`
		Error      *string `json:"error"`
	} `json:"decode"`
	KeyVersion []struct {
		Signed     string `json:"signed"`
		KeyVersion *int   `json:"key_version"`
	} `json:"key_version"`
	XSRFDecode []struct {
		Input     string  `json:"input"`
		Version   *int    `json:"version"`
		TokenHex  *string `json:"token_hex"`
		Timestamp *int64  `json:"timestamp"`
	} `json:"xsrf_decode"`
	XSRFCheck []struct {
		Cookie     *string    `json:"cookie"`
		Argument   *string    `json:"argument"`
		Headers    [][]string `json:"headers"`
		Status     int        `json:"status"`
		LogMessage string     `json:"log_message"`
	} `json:"xsrf_check"`
}

type vectorSecret struct {
	Secret  string            `json:"secret"`
	Secrets map[string]string `json:"secrets"`
}

// options returns the secret and the options with Secrets filled.
func (v vectorSecret) options(t *testing.T, o SignedValueOptions) (string, SignedValueOptions) {
	t.Helper()
	if v.Secrets != nil {
		o.Secrets = map[int]string{}
		for k, s := range v.Secrets {
			n, err := strconv.Atoi(k)
			if err != nil {
				t.Fatal(err)
			}
			o.Secrets[n] = s
		}
	}
	return v.Secret, o
}

func loadTornadoVectors(t *testing.T) *tornadoVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/tornado_signed_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v tornadoVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Create) == 0 || len(v.Decode) == 0 || len(v.XSRFDecode) == 0 || len(v.XSRFCheck) == 0 {
		t.Fatal("vectors missing")
	}
	return &v
}

// fixedClock returns a clock at sec seconds, a float as Tornado's.
func fixedClock(sec float64) func() time.Time {
	whole := math.Floor(sec)
	t := time.Unix(int64(whole), int64(math.Round((sec-whole)*1e9)))
	return func() time.Time { return t }
}

func unb64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Go signs exactly the bytes Tornado signs.
func TestCreateSignedValueTornadoVectors(t *testing.T) {
	v := loadTornadoVectors(t)
	for _, c := range v.Create {
		secret, o := c.options(t, SignedValueOptions{Version: c.Version, KeyVersion: c.KeyVersion, Clock: fixedClock(c.Clock)})
		value := string(unb64(t, c.ValueB64))
		got, err := CreateSignedValue(secret, c.Name, value, o)
		if c.Status != "ok" {
			if err == nil {
				t.Errorf("CreateSignedValue(%q, %q) = %q, want an error as Tornado's", c.Name, value, got)
			}
			continue
		}
		if err != nil || got != c.Signed {
			t.Errorf("CreateSignedValue(%q, %q, v%d, key %d) = %q, %v; Tornado made %q", c.Name, value, c.Version, c.KeyVersion, got, err, c.Signed)
		}
		back, err := DecodeSignedValue(secret, c.Name, got, SignedValueOptions{Secrets: o.Secrets, Clock: o.Clock})
		if err != nil || string(back) != value {
			t.Errorf("DecodeSignedValue(%q) = %q, %v; want %q", got, back, err, value)
		}
	}
}

// A format 2 name that is not ASCII makes a value that never verifies in
// Tornado: Go refuses to make it, and refuses Tornado's.
func TestSignedValueNonASCIIName(t *testing.T) {
	v := loadTornadoVectors(t)
	if len(v.CreateNonASCIIName) == 0 {
		t.Fatal("no vectors")
	}
	clock := SignedValueOptions{Clock: fixedClock(1300000000.5)}
	for _, c := range v.CreateNonASCIIName {
		if c.DecodedB64 != nil {
			t.Fatalf("Tornado decoded its own value for %q; the test's premise is wrong", c.Name)
		}
		if got, err := CreateSignedValue(c.Secret, c.Name, "v", clock); !errors.Is(err, ErrInvalidSignedValue) {
			t.Errorf("CreateSignedValue(name %q) = %q, %v; want ErrInvalidSignedValue", c.Name, got, err)
		}
		if got, err := DecodeSignedValue(c.Secret, c.Name, c.Signed, clock); err == nil {
			t.Errorf("DecodeSignedValue(%q) = %q, want an error as Tornado's None", c.Signed, got)
		}
		// Format 1 has no length prefix: such names work there.
		s, err := CreateSignedValue(c.Secret, c.Name, "v", SignedValueOptions{Version: 1, Clock: clock.Clock})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := DecodeSignedValue(c.Secret, c.Name, s, clock); err != nil || string(got) != "v" {
			t.Errorf("format 1 with name %q: %q, %v", c.Name, got, err)
		}
	}
}

// Go reads what Tornado reads, and refuses what Tornado refuses.
func TestDecodeSignedValueTornadoVectors(t *testing.T) {
	v := loadTornadoVectors(t)
	for _, c := range v.Decode {
		t.Run(c.Why, func(t *testing.T) {
			secret, o := c.options(t, SignedValueOptions{MaxAgeDays: c.MaxAgeDays, MinVersion: c.MinVersion, Clock: fixedClock(c.Clock)})
			got, err := DecodeSignedValue(secret, c.Name, c.Signed, o)
			switch {
			case c.Status != "ok" || c.DecodedB64 == nil:
				if err == nil || got != nil {
					t.Errorf("DecodeSignedValue(%q) = %q, %v; Tornado refused it (%v)", c.Signed, got, err, deref(c.Error))
				}
				if err != nil && !errors.Is(err, ErrInvalidSignedValue) && !errors.Is(err, ErrExpiredSignedValue) {
					t.Errorf("DecodeSignedValue(%q) error %v wraps neither sentinel", c.Signed, err)
				}
			default:
				want := unb64(t, *c.DecodedB64)
				if err != nil || !bytes.Equal(got, want) || got == nil {
					t.Errorf("DecodeSignedValue(%q) = %q, %v; Tornado read %q", c.Signed, got, err, want)
				}
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return "None"
	}
	return *s
}

func TestSignatureKeyVersionTornadoVectors(t *testing.T) {
	v := loadTornadoVectors(t)
	for _, c := range v.KeyVersion {
		got, ok := SignatureKeyVersion(c.Signed)
		if c.KeyVersion == nil {
			if ok {
				t.Errorf("SignatureKeyVersion(%q) = %d, true; Tornado says None", c.Signed, got)
			}
		} else if !ok || got != *c.KeyVersion {
			t.Errorf("SignatureKeyVersion(%q) = %d, %v; Tornado says %d", c.Signed, got, ok, *c.KeyVersion)
		}
	}
}

// The refusals wrap the documented sentinels.
func TestSignedValueErrors(t *testing.T) {
	now := fixedClock(1300000000)
	good, err := CreateSignedValue("s", "n", "v", SignedValueOptions{Clock: now})
	if err != nil {
		t.Fatal(err)
	}
	v1, err := CreateSignedValue("s", "n", "v", SignedValueOptions{Version: 1, Clock: now})
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[int]string{1: "one", 2: "two"}
	later := fixedClock(1300000000 + 40*86400)
	tests := []struct {
		name string
		f    func() error
		want error
	}{
		{"create without secret", func() error { _, err := CreateSignedValue("", "n", "v"); return err }, ErrNoSecret},
		{"decode without secret", func() error { _, err := DecodeSignedValue("", "n", good); return err }, ErrNoSecret},
		{"create with unknown key", func() error {
			_, err := CreateSignedValue("", "n", "v", SignedValueOptions{Secrets: secrets, KeyVersion: 3})
			return err
		}, ErrNoSecret},
		{"create v1 with key versions", func() error {
			_, err := CreateSignedValue("", "n", "v", SignedValueOptions{Secrets: secrets, KeyVersion: 1, Version: 1})
			return err
		}, ErrInvalidSignedValue},
		{"create v3", func() error { _, err := CreateSignedValue("s", "n", "v", SignedValueOptions{Version: 3}); return err }, ErrInvalidSignedValue},
		{"decode MinVersion 3", func() error {
			_, err := DecodeSignedValue("s", "n", good, SignedValueOptions{MinVersion: 3})
			return err
		}, ErrInvalidSignedValue},
		{"decode expired", func() error {
			_, err := DecodeSignedValue("s", "n", good, SignedValueOptions{Clock: later})
			return err
		}, ErrExpiredSignedValue},
		{"decode v1 expired", func() error {
			_, err := DecodeSignedValue("s", "n", v1, SignedValueOptions{Clock: later})
			return err
		}, ErrExpiredSignedValue},
		{"decode wrong name", func() error { _, err := DecodeSignedValue("s", "m", good, SignedValueOptions{Clock: now}); return err }, ErrInvalidSignedValue},
		{"decode v1 with key versions", func() error {
			_, err := DecodeSignedValue("", "n", v1, SignedValueOptions{Secrets: secrets, Clock: now})
			return err
		}, ErrInvalidSignedValue},
	}
	for _, tt := range tests {
		if err := tt.f(); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

// Key rotation: values signed with any listed key version verify; the
// key version is read back from the value.
func TestSignedValueKeyRotation(t *testing.T) {
	now := fixedClock(1300000000)
	old := map[int]string{1: "first secret"}
	rotated := map[int]string{1: "first secret", 2: "second secret"}
	v1, err := CreateSignedValue("", "user", "alice", SignedValueOptions{Secrets: old, KeyVersion: 1, Clock: now})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := CreateSignedValue("", "user", "bob", SignedValueOptions{Secrets: rotated, KeyVersion: 2, Clock: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		signed, want string
		key          int
	}{{v1, "alice", 1}, {v2, "bob", 2}} {
		got, err := DecodeSignedValue("", "user", c.signed, SignedValueOptions{Secrets: rotated, Clock: now})
		if err != nil || string(got) != c.want {
			t.Errorf("DecodeSignedValue(%q) = %q, %v; want %q", c.signed, got, err, c.want)
		}
		if k, ok := SignatureKeyVersion(c.signed); !ok || k != c.key {
			t.Errorf("SignatureKeyVersion(%q) = %d, %v; want %d", c.signed, k, ok, c.key)
		}
	}
	// Once key 1 is dropped its values no longer verify.
	if got, err := DecodeSignedValue("", "user", v1, SignedValueOptions{Secrets: map[int]string{2: "second secret"}, Clock: now}); !errors.Is(err, ErrInvalidSignedValue) {
		t.Errorf("value of a dropped key = %q, %v; want ErrInvalidSignedValue", got, err)
	}
}

// Values of every kind survive the round trip in both formats.
func TestSignedValueRoundTrip(t *testing.T) {
	values := []string{"", "a", "a|b|c", "héllo 世界", "\x00\xff\xfe", strings.Repeat("x|", 1000), "2|1:0|"}
	for _, version := range []int{0, 1, 2} {
		for _, v := range values {
			s, err := CreateSignedValue("secret", "name", v, SignedValueOptions{Version: version})
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeSignedValue("secret", "name", s)
			if err != nil || string(got) != v || got == nil {
				t.Errorf("v%d round trip of %q = %q, %v", version, v, got, err)
			}
			if _, err := DecodeSignedValue("secret", "name", s, SignedValueOptions{MinVersion: 2}); (version == 1) != (err != nil) {
				t.Errorf("v%d with MinVersion 2: %v", version, err)
			}
		}
	}
}

func TestPyInt(t *testing.T) {
	tests := []struct {
		in   string
		text bool
		want int64
		ok   bool
	}{
		{"0", false, 0, true}, {"007", false, 7, true}, {" 12\t", false, 12, true}, {"+5", false, 5, true},
		{"-5", false, -5, true}, {"1_000", false, 1000, true}, {"1__0", false, 0, false}, {"_1", false, 0, false},
		{"1_", false, 0, false}, {"+_1", false, 0, false}, {"", false, 0, false}, {"-", false, 0, false},
		{"1 2", false, 0, false}, {"x", false, 0, false}, {"9223372036854775807", false, math.MaxInt64, true},
		{"9223372036854775808", false, 0, false}, {"-9223372036854775808", false, math.MinInt64, true},
		{"-9223372036854775809", false, 0, false}, {"99999999999999999999999", false, 0, false},
		{"\u00a05", false, 0, false}, {"\u00a05", true, 5, true}, {"\x1c5", true, 5, true}, {"\x1c5", false, 0, false},
	}
	for _, tt := range tests {
		if got, ok := pyInt(tt.in, tt.text); got != tt.want || ok != tt.ok {
			t.Errorf("pyInt(%q, %v) = %d, %v; want %d, %v", tt.in, tt.text, got, ok, tt.want, tt.ok)
		}
	}
}

// Python's lenient base64, as Tornado decodes signed values with it.
func TestDecodeSignedBase64(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"YW*xpY2U=", "alice", true}, {"YWxpY2U", "", false}, {"YWxpY2U=YQ==", "alice", true},
		{"YQ==YQ==", "a", true}, {"Y=Q==", "a", true}, {"=YQ==", "a", true}, {"YQ=", "", false},
		{"YQ", "", false}, {"YQ===", "a", true}, {"Y", "", false}, {"YWJj\n", "abc", true},
		{"YW Jj", "abc", true}, {"YQ=x=", "a\x0c", true}, {"YQ==x", "a", true}, {"YWJ=", "ab", true},
		{"", "", true}, {"====", "", true}, {"A===", "", false}, {"AB=C", "", false}, {"AB=CD", "\x00\x10\x83", true},
		{"/+/+", "\xff\xef\xfe", true}, {"\xffYQ==", "a", true},
	}
	for _, tt := range tests {
		got, err := decodeSignedBase64(tt.in)
		if (err == nil) != tt.ok || string(got) != tt.want {
			t.Errorf("decodeSignedBase64(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// Decoding costs memory in proportion to the value, valid or not.
func TestSignedValueLinear(t *testing.T) {
	measure := func(f func()) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := 0; i < 5; i++ {
			f()
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	inputs := map[string]func(n int) string{
		"valid v2": func(n int) string {
			s, _ := CreateSignedValue("s", "n", strings.Repeat("x", n))
			return s
		},
		"valid v1": func(n int) string {
			s, _ := CreateSignedValue("s", "n", strings.Repeat("x", n), SignedValueOptions{Version: 1})
			return s
		},
		"pipes":  func(n int) string { return strings.Repeat("|", n) },
		"digits": func(n int) string { return "2|" + strings.Repeat("9", n) + ":x|" },
		"fields": func(n int) string { return "2|" + strings.Repeat("1:x|", n) },
	}
	for name, in := range inputs {
		small, large := in(100_000), in(200_000)
		a := measure(func() { DecodeSignedValue("s", "n", small) })
		b := measure(func() { DecodeSignedValue("s", "n", large) })
		if a > 1<<16 && float64(b)/float64(a) > 2.5 { // below 64 KiB: constant overhead only
			t.Errorf("%s: %d bytes allocated for 2n, %d for n", name, b, a)
		}
		if b > 5*4*200_000 {
			t.Errorf("%s: %d bytes allocated decoding %d bytes 5 times", name, b, len(large))
		}
		x := measure(func() { decodeXSRFToken(large, time.Now) })
		if x > 5*4*uint64(len(large)) {
			t.Errorf("%s: decodeXSRFToken allocated %d bytes for %d bytes 5 times", name, x, len(large))
		}
	}
}

// FuzzDecodeSignedValue: no input panics, and whatever is signed reads back.
func FuzzDecodeSignedValue(f *testing.F) {
	now := fixedClock(1300000000.5)
	secrets := map[int]string{0: "zero", 1: "one"}
	f.Fuzz(func(t *testing.T, value string, payload []byte) {
		for _, o := range []SignedValueOptions{{Clock: now}, {Clock: now, Secrets: secrets}, {Clock: now, MinVersion: 2}} {
			got, err := DecodeSignedValue("0123456789abcdef-the-test-secret", "user", value, o)
			if (err == nil) == (got == nil) {
				t.Fatalf("DecodeSignedValue(%q) = %q, %v: want exactly one of value and error", value, got, err)
			}
		}
		SignatureKeyVersion(value)
		for _, version := range []int{1, 2} {
			s, err := CreateSignedValue("secret", "user", string(payload), SignedValueOptions{Version: version, Clock: now})
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeSignedValue("secret", "user", s, SignedValueOptions{Clock: now})
			if err != nil || !bytes.Equal(got, payload) {
				t.Fatalf("v%d round trip of %q = %q, %v", version, payload, got, err)
			}
		}
	})
}

func BenchmarkDecodeSignedValue(b *testing.B) {
	for _, version := range []int{1, 2} {
		b.Run("v"+strconv.Itoa(version), func(b *testing.B) {
			s, err := CreateSignedValue("0123456789abcdef-the-test-secret", "user", `{"id":42,"name":"alice"}`, SignedValueOptions{Version: version})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeSignedValue("0123456789abcdef-the-test-secret", "user", s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCreateSignedValue(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CreateSignedValue("0123456789abcdef-the-test-secret", "user", `{"id":42,"name":"alice"}`); err != nil {
			b.Fatal(err)
		}
	}
}
