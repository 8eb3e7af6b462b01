// Command client uploads files to the upload example's server, as
// Tornado's file_uploader.py does: by default all of them in one
// multipart/form-data POST to /post, or with -put each one as the raw
// body of a PUT to /stream/<name>. Files are sent as they are read, never
// held in memory whole. It prints the server's answer and whether the
// SHA-256 the server computed matches the file's.
//
//	go run ./examples/upload/client a.txt b.png
//	go run ./examples/upload/client -put big.iso
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// summary is what the server says of a file it received.
type summary struct {
	Field    string `json:"field,omitempty"`
	Filename string `json:"filename,omitempty"`
	Bytes    int64  `json:"bytes"`
	SHA256   string `json:"sha256"`
}

// contentType guesses a file's media type from its name.
func contentType(name string) string {
	if t := mime.TypeByExtension(filepath.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// hashingReader hashes what is read through it.
type hashingReader struct {
	r   io.Reader
	sum hash.Hash
}

func (h *hashingReader) Read(b []byte) (int, error) {
	n, err := h.r.Read(b)
	h.sum.Write(b[:n])
	return n, err
}

// put uploads the file at path as the body of PUT base/stream/<name> and
// returns the server's summary and the file's SHA-256.
func put(client *http.Client, base, path string) (summary, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return summary{}, "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return summary{}, "", err
	}
	hr := &hashingReader{r: f, sum: sha256.New()}
	req, err := http.NewRequest("PUT", base+"/stream/"+url.PathEscape(filepath.Base(path)), hr)
	if err != nil {
		return summary{}, "", err
	}
	req.ContentLength = st.Size()
	if st.Size() == 0 {
		req.Body = http.NoBody // else net/http takes the length for unknown
	}
	req.Header.Set("Content-Type", contentType(path))
	var s summary
	if err := do(client, req, &s); err != nil {
		return summary{}, "", err
	}
	return s, hex.EncodeToString(hr.sum.Sum(nil)), nil
}

// post uploads the files at paths in one multipart/form-data POST to
// base/post, written as it is sent, and returns the server's summaries
// and the files' SHA-256s.
func post(client *http.Client, base string, paths []string) ([]summary, []string, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	sums := make([]string, len(paths))
	go func() {
		pw.CloseWithError(writeForm(mw, paths, sums))
	}()
	req, err := http.NewRequest("POST", base+"/post", pr)
	if err != nil {
		pr.Close()
		return nil, nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var got struct{ Files []summary }
	err = do(client, req, &got)
	pr.Close() // ends the writer if the request failed early
	return got.Files, sums, err
}

// writeForm writes each file as a part named after it, then the close
// delimiter.
func writeForm(mw *multipart.Writer, paths []string, sums []string) error {
	for i, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		name := filepath.Base(path)
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, escapeQuotes(name), escapeQuotes(name)))
		h.Set("Content-Type", contentType(path))
		part, err := mw.CreatePart(h)
		if err == nil {
			sum := sha256.New()
			_, err = io.Copy(io.MultiWriter(part, sum), f)
			sums[i] = hex.EncodeToString(sum.Sum(nil))
		}
		f.Close()
		if err != nil {
			return err
		}
	}
	return mw.Close()
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

func escapeQuotes(s string) string { return quoteEscaper.Replace(s) }

// do sends req and decodes a 200 answer's JSON into v.
func do(client *http.Client, req *http.Request, v any) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL, resp.Status, strings.TrimSpace(string(body)))
	}
	return json.Unmarshal(body, v)
}

// report prints one file's result to out and whether its hash matches.
func report(out io.Writer, name string, s summary, sum string) bool {
	ok := s.SHA256 == sum
	verdict := "sha256 matches"
	if !ok {
		verdict = "SHA256 DIFFERS: sent " + sum
	}
	fmt.Fprintf(out, "%s: %d bytes, sha256 %s (%s)\n", name, s.Bytes, s.SHA256, verdict)
	return ok
}

// run uploads the files at paths to the server at base, printing a line
// for each to out.
func run(out io.Writer, base string, usePut bool, paths []string) error {
	client := &http.Client{}
	ok := true
	if usePut {
		for _, p := range paths {
			s, sum, err := put(client, base, p)
			if err != nil {
				return err
			}
			ok = report(out, p, s, sum) && ok
		}
	} else {
		got, sums, err := post(client, base, paths)
		if err != nil {
			return err
		}
		if len(got) != len(paths) {
			return fmt.Errorf("the server saw %d files, %d were sent", len(got), len(paths))
		}
		for i, s := range got {
			ok = report(out, paths[i], s, sums[i]) && ok
		}
	}
	if !ok {
		return errors.New("some files arrived changed")
	}
	return nil
}

func main() {
	base := flag.String("url", "http://127.0.0.1:8888", "the upload server")
	usePut := flag.Bool("put", false, "PUT each file raw to /stream/<name> instead of POSTing a multipart form")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: client [-url URL] [-put] file...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(os.Stdout, strings.TrimSuffix(*base, "/"), *usePut, flag.Args()); err != nil {
		log.Fatal(err)
	}
}
