package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"time"

	"github.com/gotornado/tornado/web"
)

// signedBase finds the user in the signed cookie "user" (Tornado's
// get_current_user reading get_signed_cookie).
type signedBase struct{ web.RequestHandler }

func (h *signedBase) GetCurrentUser() (any, error) {
	name, err := h.GetSignedCookie("user")
	if err != nil {
		return nil, nil // no cookie, or one that does not verify: nobody
	}
	return string(name), nil
}

// signedLogin shows a form and logs in whoever posts a name.
type signedLogin struct{ signedBase }

func (h *signedLogin) Get() error {
	_, err := fmt.Fprintf(h, `<form method="post">%s<input name="name"></form>`, h.XSRFFormHTML())
	return err
}

func (h *signedLogin) Post() error {
	name, err := h.GetArgument("name")
	if err != nil {
		return err
	}
	if err := h.SetSignedCookie("user", name, web.SignedCookieOptions{CookieOptions: web.CookieOptions{HTTPOnly: true}}); err != nil {
		return err
	}
	return h.Redirect(h.NextURL("/"))
}

// signedHome greets the user; its rule requires one.
type signedHome struct{ signedBase }

func (h *signedHome) Get() error {
	_, err := fmt.Fprintf(h, "Hello, %s", h.CurrentUser())
	return err
}

// ExampleRequestHandler_SetSignedCookie logs a user in with a signed
// cookie, behind Tornado's XSRF protection and @authenticated.
func ExampleRequestHandler_SetSignedCookie() {
	app := web.NewApplication([]web.Rule{
		web.R[signedLogin](`/login`),
		web.Authenticated(web.R[signedHome](`/`)),
	}, web.Settings{
		CookieSecret: "a long, random secret kept out of the source",
		XSRFCookies:  true,
		LoginURL:     "/login",
	})
	srv := httptest.NewServer(app)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}

	// Not logged in: the home page sends the browser to the login form.
	resp, _ := client.Get(srv.URL + "/")
	form, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.Request.URL.RequestURI())

	// A post without the form's XSRF token is refused.
	resp, _ = client.PostForm(srv.URL+"/login", url.Values{"name": {"alice"}})
	resp.Body.Close()
	fmt.Println(resp.StatusCode)

	// With it, the user is in, and sent back where they were going.
	token := regexp.MustCompile(`name="_xsrf" value="([^"]+)"`).FindSubmatch(form)[1]
	resp, _ = client.PostForm(srv.URL+"/login?next=%2F", url.Values{"name": {"alice"}, "_xsrf": {string(token)}})
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))
	client.CloseIdleConnections()
	// Output:
	// /login?next=%2F
	// 403
	// Hello, alice
}

// ExampleCreateSignedValue signs and reads a value outside any handler,
// with the bytes Tornado's create_signed_value makes.
func ExampleCreateSignedValue() {
	const secret = "0123456789abcdef-the-test-secret"
	clock := func() time.Time { return time.Unix(1300000000, 0) }
	signed, err := web.CreateSignedValue(secret, "user", "alice", web.SignedValueOptions{Clock: clock})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(signed)

	value, err := web.DecodeSignedValue(secret, "user", signed, web.SignedValueOptions{Clock: clock})
	fmt.Printf("%s %v\n", value, err)

	_, err = web.DecodeSignedValue(secret, "admin", signed, web.SignedValueOptions{Clock: clock})
	fmt.Println(err)
	// Output:
	// 2|1:0|10:1300000000|4:user|8:YWxpY2U=|96b27c14e373bd3ecc46836724491749de1ec68c23ba93c4701991131691d0d5
	// alice <nil>
	// web: invalid signed value: signed for another name
}
