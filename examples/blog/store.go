package main

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// ErrNotFound is returned by the Store's lookups when no row matches.
var ErrNotFound = errors.New("blog: not found")

//go:embed schema_postgres.sql
var schemaPostgres string

//go:embed schema_sqlite.sql
var schemaSQLite string

// Author is a row of the authors table.
type Author struct {
	ID             int64
	Email          string
	Name           string
	HashedPassword string
}

// Entry is a row of the entries table: a post, its Markdown source and the
// HTML rendered from it.
type Entry struct {
	ID        int64
	AuthorID  int64
	Slug      string
	Title     string
	Markdown  string
	HTML      template.HTML // rendered by the blog from Markdown, shown as is
	Published time.Time     // UTC
	Updated   time.Time     // UTC
}

// Date is the entry's publication date as Tornado's demo shows it
// (locale.format_date with full_format and shorter, in en_US):
// "January 2, 2006".
func (e *Entry) Date() string { return e.Published.Format("January 2, 2006") }

// Store is the blog's database: PostgreSQL or SQLite behind database/sql.
// Its methods block, so handlers call them off the loop (see offLoop).
// Safe for concurrent use.
type Store struct {
	db       *sql.DB
	postgres bool
}

// OpenStore opens the database named by dsn — a postgres:// (or
// postgresql://) URL for PostgreSQL through pgx, anything else the path of
// an SQLite file, created if missing — and creates the tables when they do
// not exist yet.
func OpenStore(ctx context.Context, dsn string) (*Store, error) {
	s := &Store{postgres: isPostgresURL(dsn)}
	var err error
	if s.postgres {
		s.db, err = sql.Open("pgx", dsn)
	} else {
		s.db, err = sql.Open("sqlite", sqliteDSN(dsn))
		// One connection: SQLite allows one writer at a time, and a single
		// connection turns what would be "database is locked" errors into
		// a short queue.
		s.db.SetMaxOpenConns(1)
	}
	if err != nil {
		return nil, fmt.Errorf("blog: open database: %w", err)
	}
	if err := s.createTables(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

func isPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// sqliteDSN adds the connection settings the blog wants to an SQLite path:
// a busy timeout, foreign keys and the write-ahead log.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	return "file:" + path + "?" + q.Encode()
}

func (s *Store) createTables(ctx context.Context) error {
	schema := schemaSQLite
	if s.postgres {
		schema = schemaPostgres
	}
	for stmt := range strings.SplitSeq(stripComments(schema), ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("blog: create tables: %w", err)
		}
	}
	return nil
}

// stripComments drops the "--" comment lines of a schema.
func stripComments(stmt string) string {
	var b strings.Builder
	for line := range strings.Lines(stmt) {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// q rewrites a query written with "?" placeholders for the database:
// PostgreSQL numbers them ($1, $2, ...). The blog's queries have no "?"
// anywhere else.
func (s *Store) q(query string) string {
	if !s.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range []byte(query) {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// AnyAuthorExists reports whether an author has been created.
func (s *Store) AnyAuthorExists(ctx context.Context) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT id FROM authors LIMIT 1) AS a").Scan(&n)
	return n > 0, err
}

const authorColumns = "id, email, name, hashed_password"

func scanAuthor(row *sql.Row) (*Author, error) {
	a := new(Author)
	err := row.Scan(&a.ID, &a.Email, &a.Name, &a.HashedPassword)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// maxID is the largest id the tables hold: PostgreSQL's SERIAL is a
// 32-bit integer, and a larger id in a query is an error there.
const maxID = math.MaxInt32

// validID reports whether a row may have the id; lookups of any other id
// find nothing, on both databases.
func validID(id int64) bool { return 0 < id && id <= maxID }

// AuthorByID returns the author with the id, or ErrNotFound.
func (s *Store) AuthorByID(ctx context.Context, id int64) (*Author, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	return scanAuthor(s.db.QueryRowContext(ctx, s.q("SELECT "+authorColumns+" FROM authors WHERE id = ?"), id))
}

// AuthorByEmail returns the author with the email, or ErrNotFound.
func (s *Store) AuthorByEmail(ctx context.Context, email string) (*Author, error) {
	return scanAuthor(s.db.QueryRowContext(ctx, s.q("SELECT "+authorColumns+" FROM authors WHERE email = ?"), email))
}

// CreateAuthor inserts an author and returns its id.
func (s *Store) CreateAuthor(ctx context.Context, email, name, hashedPassword string) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx,
		s.q("INSERT INTO authors (email, name, hashed_password) VALUES (?, ?, ?) RETURNING id"),
		email, name, hashedPassword).Scan(&id)
	return id, err
}

const entryColumns = "id, author_id, slug, title, markdown, html, published, updated"

type scanner interface{ Scan(dest ...any) error }

func scanEntry(r scanner) (*Entry, error) {
	e := new(Entry)
	var html string
	err := r.Scan(&e.ID, &e.AuthorID, &e.Slug, &e.Title, &e.Markdown, &html, &e.Published, &e.Updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	e.HTML = template.HTML(html)
	e.Published, e.Updated = e.Published.UTC(), e.Updated.UTC()
	return e, nil
}

// RecentEntries returns the latest entries, newest first: at most limit of
// them, or all when limit is 0.
func (s *Store) RecentEntries(ctx context.Context, limit int) ([]*Entry, error) {
	query := "SELECT " + entryColumns + " FROM entries ORDER BY published DESC, id DESC"
	if limit > 0 {
		query += " LIMIT " + strconv.Itoa(limit)
	}
	rows, err := s.db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var entries []*Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	return entries, rows.Err()
}

// EntryBySlug returns the entry with the slug, or ErrNotFound.
func (s *Store) EntryBySlug(ctx context.Context, slug string) (*Entry, error) {
	return scanEntry(s.db.QueryRowContext(ctx, s.q("SELECT "+entryColumns+" FROM entries WHERE slug = ?"), slug))
}

// EntryByID returns the entry with the id, or ErrNotFound.
func (s *Store) EntryByID(ctx context.Context, id int64) (*Entry, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	return scanEntry(s.db.QueryRowContext(ctx, s.q("SELECT "+entryColumns+" FROM entries WHERE id = ?"), id))
}

// CreateEntry inserts a new entry written by e.AuthorID, published and
// updated now, under e.Slug made unique the way Tornado's demo does it:
// "-2" is appended while the slug is taken. A slug is cut to fit the
// column (100 characters), suffix included. It sets e's ID, Slug,
// Published and Updated.
func (s *Store) CreateEntry(ctx context.Context, e *Entry) error {
	slug, err := s.freeSlug(ctx, e.Slug)
	if err != nil {
		return err
	}
	now := dbNow()
	err = s.db.QueryRowContext(ctx,
		s.q("INSERT INTO entries (author_id, title, slug, markdown, html, published, updated) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"),
		e.AuthorID, e.Title, slug, e.Markdown, string(e.HTML), now, now).Scan(&e.ID)
	if err != nil {
		return err
	}
	e.Slug, e.Published, e.Updated = slug, now, now
	return nil
}

// maxSlug is the size of the slug column. Slugs are ASCII, so bytes are
// characters.
const maxSlug = 100

// ErrNoSlug is returned by CreateEntry when every slug it may make from
// the entry's is taken.
var ErrNoSlug = errors.New("blog: no free slug")

// freeSlug returns base, cut to fit the column with "-2" appended as
// often as needed for no entry to have it.
func (s *Store) freeSlug(ctx context.Context, base string) (string, error) {
	for suffix := ""; len(suffix) < maxSlug; suffix += "-2" {
		slug := base
		if len(slug)+len(suffix) > maxSlug {
			slug = slug[:maxSlug-len(suffix)]
		}
		slug += suffix
		var n int
		err := s.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM entries WHERE slug = ?"), slug).Scan(&n)
		if err != nil {
			return "", err
		}
		if n == 0 {
			return slug, nil
		}
	}
	return "", ErrNoSlug
}

// UpdateEntry replaces the title, Markdown and HTML of the entry with id,
// and sets its updated time to now. It returns ErrNotFound when there is
// no such entry.
func (s *Store) UpdateEntry(ctx context.Context, id int64, title, markdown string, html template.HTML) error {
	if !validID(id) {
		return ErrNotFound
	}
	res, err := s.db.ExecContext(ctx,
		s.q("UPDATE entries SET title = ?, markdown = ?, html = ?, updated = ? WHERE id = ?"),
		title, markdown, string(html), dbNow(), id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	return nil
}

// dbNow is the current time as both databases keep it: UTC, to the
// microsecond.
func dbNow() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
