package main

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gotornado/tornado/web"
	"golang.org/x/crypto/bcrypt"
)

// userCookie is the signed cookie holding the id of the logged-in author.
const userCookie = "blogdemo_user"

// The column sizes of the schema, checked before writing so that both
// databases refuse the same input (SQLite does not enforce them).
const (
	maxEmail = 100
	maxName  = 100
	maxTitle = 512
)

// BaseHandler is embedded by every handler of the blog. Its
// GetCurrentUser reads the login cookie; load brings the author from the
// database with the rest of a page's data.
type BaseHandler struct {
	web.RequestHandler
	cfg *Config
}

func (h *BaseHandler) base() *BaseHandler { return h }

// GetCurrentUser implements web.CurrentUserGetter: the author whose id the
// signed blogdemo_user cookie holds, or nil. Only the ID is known here,
// without a database call; load replaces it with the author's row.
func (h *BaseHandler) GetCurrentUser() (any, error) {
	v, err := h.GetSignedCookie(userCookie)
	if err != nil {
		return nil, nil // no cookie, or one that does not verify: nobody
	}
	id, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil || id <= 0 {
		return nil, nil
	}
	return &Author{ID: id}, nil
}

// author returns the current author, or nil.
func (h *BaseHandler) author() *Author {
	a, _ := h.CurrentUser().(*Author)
	return a
}

// load runs work off the loop (see offLoop), after loading the author of
// the login cookie, which it is given (nil when the cookie names nobody,
// or an author the database no longer has). Back on the handler's
// goroutine the author becomes the current user and done runs with
// work's result. Must be called on the handler's goroutine.
func load[T any](h *BaseHandler, work func(ctx context.Context, s *Store, author *Author) (T, error), done func(T) error) {
	var id int64
	if a := h.author(); a != nil {
		id = a.ID
	}
	s := h.cfg.Store
	type result struct {
		author *Author
		v      T
	}
	offLoop(&h.RequestHandler, func(ctx context.Context) (r result, err error) {
		if id != 0 {
			if r.author, err = s.AuthorByID(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
				return r, err
			}
		}
		r.v, err = work(ctx, s, r.author)
		return r, err
	}, func(r result, err error) error {
		if err != nil {
			return err
		}
		if r.author != nil {
			h.SetCurrentUser(r.author)
		} else {
			h.SetCurrentUser(nil)
		}
		return done(r.v)
	})
}

// nothing is the work of a page that needs only the current author.
func nothing(context.Context, *Store, *Author) (struct{}, error) { return struct{}{}, nil }

// page is the data of the HTML pages; templates reach the handler's
// namespace (current_user, static_url, xsrf_form_html, module) as
// functions.
type page struct {
	BlogTitle string
	Path      string // the request's path, for the sign-in and sign-out links
	Entries   []*Entry
	Entry     *Entry
	Error     string // login.html's error
}

// newPage returns the page data for this request.
func (h *BaseHandler) newPage() page {
	return page{BlogTitle: blogTitle, Path: h.Request().Path}
}

// redirectToNext redirects to the next argument, "/" by default. As in
// Tornado's demo, a next that is not a path of this site ("//host/...",
// "http://...") is refused with 400 rather than followed: an open
// redirect otherwise. A backslash after the first slash is refused too,
// since browsers read "/\host" as "//host".
func (h *BaseHandler) redirectToNext() error {
	next, err := h.GetArgument("next", "/")
	if err != nil {
		return err
	}
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) {
		return &web.HTTPError{Code: http.StatusBadRequest, LogMessage: "next is not a path of this site"}
	}
	return h.Redirect(next)
}

// logIn sets the login cookie for the author id.
func (h *BaseHandler) logIn(id int64) error {
	return h.SetSignedCookie(userCookie, strconv.FormatInt(id, 10))
}

// tooLong is the 400 error of a form field longer than its column.
func tooLong(field string) error {
	return &web.HTTPError{Code: http.StatusBadRequest, LogMessage: field + " too long"}
}

// notFound is the 404 error of a missing entry.
func notFound() error { return &web.HTTPError{Code: http.StatusNotFound} }

// HomeHandler shows the five latest entries, or sends to /compose when
// there are none.
type HomeHandler struct{ BaseHandler }

// Get implements web.Getter.
func (h *HomeHandler) Get() error {
	load(&h.BaseHandler, func(ctx context.Context, s *Store, _ *Author) ([]*Entry, error) {
		return s.RecentEntries(ctx, 5)
	}, func(entries []*Entry) error {
		if len(entries) == 0 {
			return h.Redirect("/compose")
		}
		p := h.newPage()
		p.Entries = entries
		return h.Render("home.html", p)
	})
	return nil
}

// EntryHandler shows one entry, found by its slug; 404 if there is none.
type EntryHandler struct{ BaseHandler }

// Get implements web.Getter.
func (h *EntryHandler) Get() error {
	slug := h.PathArgs()[0]
	load(&h.BaseHandler, func(ctx context.Context, s *Store, _ *Author) (*Entry, error) {
		e, err := s.EntryBySlug(ctx, slug)
		if errors.Is(err, ErrNotFound) {
			return nil, notFound()
		}
		return e, err
	}, func(e *Entry) error {
		p := h.newPage()
		p.Entry = e
		return h.Render("entry.html", p)
	})
	return nil
}

// ArchiveHandler lists every entry, newest first.
type ArchiveHandler struct{ BaseHandler }

// Get implements web.Getter.
func (h *ArchiveHandler) Get() error {
	load(&h.BaseHandler, func(ctx context.Context, s *Store, _ *Author) ([]*Entry, error) {
		return s.RecentEntries(ctx, 0)
	}, func(entries []*Entry) error {
		p := h.newPage()
		p.Entries = entries
		return h.Render("archive.html", p)
	})
	return nil
}

// FeedHandler serves the ten latest entries as an Atom feed.
type FeedHandler struct{ BaseHandler }

// feed is the data of feed.xml.
type feed struct {
	Declaration template.HTML // the XML declaration, which html/template would escape as text
	BlogTitle   string
	Host        string    // the request's Host, for the entries' URLs
	SelfURL     string    // the feed's own URL
	Updated     time.Time // the latest update of an entry, or now
	Entries     []*Entry
}

const xmlDeclaration = `<?xml version="1.0" encoding="utf-8"?>`

// atomTime is the feed's date format (Tornado's demo writes UTC with a Z).
const atomTime = "2006-01-02T15:04:05Z"

// Get implements web.Getter.
func (h *FeedHandler) Get() error {
	req := h.Request()
	f := feed{Declaration: xmlDeclaration, BlogTitle: blogTitle, Host: req.Host, SelfURL: req.Protocol + "://" + req.Host + req.URI}
	load(&h.BaseHandler, func(ctx context.Context, s *Store, _ *Author) ([]*Entry, error) {
		return s.RecentEntries(ctx, 10)
	}, func(entries []*Entry) error {
		f.Entries = entries
		f.Updated = time.Now().UTC()
		if len(entries) > 0 {
			f.Updated = entries[0].Updated
			for _, e := range entries {
				if e.Updated.After(f.Updated) {
					f.Updated = e.Updated
				}
			}
		}
		h.SetHeader("Content-Type", "application/atom+xml")
		return h.Render("feed.xml", f)
	})
	return nil
}

// ComposeHandler writes a new entry, or edits the one its id argument
// names. Its rule is Authenticated.
type ComposeHandler struct{ BaseHandler }

// entryID returns the id argument: 0 when absent or empty (a new entry),
// a 400 error when it is not a number.
func (h *ComposeHandler) entryID() (int64, error) {
	v, err := h.GetArgument("id", "")
	if err != nil || v == "" {
		return 0, err
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, &web.HTTPError{Code: http.StatusBadRequest, LogMessage: "id is not a number"}
	}
	return id, nil
}

// entryByID returns the entry with id, a 404 error when there is none.
func entryByID(ctx context.Context, s *Store, id int64) (*Entry, error) {
	e, err := s.EntryByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, notFound()
	}
	return e, err
}

// Get implements web.Getter: the form, empty or holding the entry to edit.
func (h *ComposeHandler) Get() error {
	id, err := h.entryID()
	if err != nil {
		return err
	}
	load(&h.BaseHandler, func(ctx context.Context, s *Store, a *Author) (*Entry, error) {
		if a == nil || id == 0 {
			return nil, nil
		}
		return entryByID(ctx, s, id)
	}, func(e *Entry) error {
		if ok, err := h.RequireUser(); !ok { // the cookie's author is gone
			return err
		}
		p := h.newPage()
		p.Entry = e
		return h.Render("compose.html", p)
	})
	return nil
}

// Post implements web.Poster: saves the entry and redirects to it.
func (h *ComposeHandler) Post() error {
	id, err := h.entryID()
	if err != nil {
		return err
	}
	title, err := h.GetArgument("title")
	if err != nil {
		return err
	}
	text, err := h.GetArgument("markdown")
	if err != nil {
		return err
	}
	if utf8.RuneCountInString(title) > maxTitle {
		return tooLong("title")
	}
	load(&h.BaseHandler, func(ctx context.Context, s *Store, a *Author) (string, error) {
		if a == nil {
			return "", nil
		}
		html, err := renderMarkdown(text)
		if err != nil {
			return "", err
		}
		if id != 0 {
			e, err := entryByID(ctx, s, id)
			if err != nil {
				return "", err
			}
			return e.Slug, s.UpdateEntry(ctx, id, title, text, html)
		}
		e := &Entry{AuthorID: a.ID, Slug: slugify(title), Title: title, Markdown: text, HTML: html}
		err = s.CreateEntry(ctx, e)
		if errors.Is(err, ErrNoSlug) {
			return "", &web.HTTPError{Code: http.StatusBadRequest, LogMessage: "every slug for this title is taken", Err: err}
		}
		return e.Slug, err
	}, func(slug string) error {
		if ok, err := h.RequireUser(); !ok { // the cookie's author is gone
			return err
		}
		return h.Redirect("/entry/" + slug)
	})
	return nil
}

// AuthCreateHandler creates the blog's one author account.
type AuthCreateHandler struct{ BaseHandler }

// Get implements web.Getter: the sign-up form.
func (h *AuthCreateHandler) Get() error {
	load(&h.BaseHandler, nothing, func(struct{}) error {
		return h.Render("create_author.html", h.newPage())
	})
	return nil
}

// Post implements web.Poster: creates the author, unless one exists
// (400), logs it in and redirects to next.
func (h *AuthCreateHandler) Post() error {
	email, err := h.GetArgument("email")
	if err != nil {
		return err
	}
	name, err := h.GetArgument("name")
	if err != nil {
		return err
	}
	password, err := h.GetArgument("password")
	if err != nil {
		return err
	}
	if utf8.RuneCountInString(email) > maxEmail {
		return tooLong("email")
	}
	if utf8.RuneCountInString(name) > maxName {
		return tooLong("name")
	}
	cost := h.cfg.bcryptCost()
	load(&h.BaseHandler, func(ctx context.Context, s *Store, _ *Author) (int64, error) {
		exists, err := s.AnyAuthorExists(ctx)
		if err != nil {
			return 0, err
		}
		if exists {
			return 0, &web.HTTPError{Code: http.StatusBadRequest, LogMessage: "author already created"}
		}
		hash, err := bcrypt.GenerateFromPassword([]byte(password), cost)
		if errors.Is(err, bcrypt.ErrPasswordTooLong) {
			return 0, tooLong("password")
		}
		if err != nil {
			return 0, err
		}
		return s.CreateAuthor(ctx, email, name, string(hash))
	}, func(id int64) error {
		if err := h.logIn(id); err != nil {
			return err
		}
		return h.redirectToNext()
	})
	return nil
}

// AuthLoginHandler signs the author in.
type AuthLoginHandler struct{ BaseHandler }

// Get implements web.Getter: the login form, or /auth/create while no
// author exists.
func (h *AuthLoginHandler) Get() error {
	load(&h.BaseHandler, func(ctx context.Context, s *Store, _ *Author) (bool, error) {
		return s.AnyAuthorExists(ctx)
	}, func(exists bool) error {
		if !exists {
			return h.Redirect("/auth/create")
		}
		return h.Render("login.html", h.newPage())
	})
	return nil
}

// login is the outcome of a login attempt: the author's id, or the error
// login.html shows.
type login struct {
	id    int64
	error string
}

// Post implements web.Poster: checks the password with bcrypt, off the
// loop; logs in and redirects to next, or shows the form again with the
// error.
func (h *AuthLoginHandler) Post() error {
	email, err := h.GetArgument("email")
	if err != nil {
		return err
	}
	password, sent, err := h.LookupArgument("password")
	if err != nil {
		return err
	}
	load(&h.BaseHandler, func(ctx context.Context, s *Store, _ *Author) (login, error) {
		a, err := s.AuthorByEmail(ctx, email)
		if errors.Is(err, ErrNotFound) {
			return login{error: "email not found"}, nil
		}
		if err != nil {
			return login{}, err
		}
		if !sent {
			return login{}, &web.MissingArgumentError{Name: "password"}
		}
		if bcrypt.CompareHashAndPassword([]byte(a.HashedPassword), []byte(password)) != nil {
			return login{error: "incorrect password"}, nil
		}
		return login{id: a.ID}, nil
	}, func(l login) error {
		if l.error != "" {
			p := h.newPage()
			p.Error = l.error
			return h.Render("login.html", p)
		}
		if err := h.logIn(l.id); err != nil {
			return err
		}
		return h.redirectToNext()
	})
	return nil
}

// AuthLogoutHandler signs the author out.
type AuthLogoutHandler struct{ BaseHandler }

// Get implements web.Getter: clears the login cookie and redirects to
// next.
func (h *AuthLogoutHandler) Get() error {
	h.ClearCookie(userCookie)
	return h.redirectToNext()
}
