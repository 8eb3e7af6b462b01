package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestStore runs the Store's methods on each database.
func TestStore(t *testing.T) {
	for _, db := range testDatabases() {
		t.Run(db.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			dsn := db.dsn(t)
			s, err := OpenStore(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			storeMethods(ctx, t, s)
			// A second start finds the tables and keeps them.
			s2, err := OpenStore(ctx, dsn)
			if err != nil {
				t.Fatalf("reopening: %v", err)
			}
			defer s2.Close()
			if exists, err := s2.AnyAuthorExists(ctx); err != nil || !exists {
				t.Errorf("after reopening, AnyAuthorExists = %v, %v, want true", exists, err)
			}
		})
	}
}

func storeMethods(ctx context.Context, t *testing.T, s *Store) {
	if exists, err := s.AnyAuthorExists(ctx); err != nil || exists {
		t.Fatalf("AnyAuthorExists on an empty database = %v, %v", exists, err)
	}
	id, err := s.CreateAuthor(ctx, "ada@example.com", "Ada", "hash")
	if err != nil {
		t.Fatal(err)
	}
	if a, err := s.AuthorByEmail(ctx, "ada@example.com"); err != nil || a.ID != id || a.Name != "Ada" || a.HashedPassword != "hash" {
		t.Errorf("AuthorByEmail = %+v, %v", a, err)
	}
	if a, err := s.AuthorByID(ctx, id); err != nil || a.Email != "ada@example.com" {
		t.Errorf("AuthorByID = %+v, %v", a, err)
	}
	if _, err := s.AuthorByID(ctx, id+1); !errors.Is(err, ErrNotFound) {
		t.Errorf("AuthorByID(missing) error = %v, want ErrNotFound", err)
	}
	if _, err := s.AuthorByEmail(ctx, "bob@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("AuthorByEmail(missing) error = %v, want ErrNotFound", err)
	}

	var entries []*Entry
	for _, slug := range []string{"post", "post-2", "post-2-2", "other"} {
		e := &Entry{AuthorID: id, Slug: slug, Title: "T " + slug, Markdown: "*m*", HTML: "<p><em>m</em></p>"}
		if slug == "post-2" || slug == "post-2-2" {
			e.Slug = "post" // taken: "-2" is appended until it is free
		}
		before := dbNow()
		if err := s.CreateEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
		if e.Slug != slug || e.ID == 0 || e.Published.Before(before) || !e.Updated.Equal(e.Published) {
			t.Errorf("CreateEntry = %+v, want slug %q published now", e, slug)
		}
		entries = append(entries, e)
	}
	long := strings.Repeat("x", 150)
	for _, want := range []string{long[:100], long[:98] + "-2", long[:96] + "-2-2"} {
		e := &Entry{AuthorID: id, Slug: long, Title: "long", Markdown: "m", HTML: "m"}
		if err := s.CreateEntry(ctx, e); err != nil || e.Slug != want {
			t.Errorf("CreateEntry with a long slug: %q, %v, want %q", e.Slug, err, want)
		}
	}
	got, err := s.EntryBySlug(ctx, "post-2")
	if err != nil || got.ID != entries[1].ID || got.Title != "T post-2" || got.HTML != "<p><em>m</em></p>" ||
		!got.Published.Equal(entries[1].Published) || got.Published.Location() != time.UTC {
		t.Errorf("EntryBySlug = %+v, %v, want %+v", got, err, entries[1])
	}
	if _, err := s.EntryBySlug(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("EntryBySlug(missing) error = %v, want ErrNotFound", err)
	}

	recent, err := s.RecentEntries(ctx, 5)
	if err != nil || len(recent) != 5 || recent[3].Slug != "other" || recent[4].Slug != "post-2-2" {
		t.Errorf("RecentEntries(5) = %v, %v, want three long ones, other, post-2-2", slugs(recent), err)
	}
	if all, err := s.RecentEntries(ctx, 0); err != nil || len(all) != 7 {
		t.Errorf("RecentEntries(0) = %v, %v, want 7 entries", slugs(all), err)
	}

	if err := s.UpdateEntry(ctx, entries[0].ID, "New", "**b**", "<p><strong>b</strong></p>"); err != nil {
		t.Fatal(err)
	}
	e, err := s.EntryByID(ctx, entries[0].ID)
	if err != nil || e.Title != "New" || e.Markdown != "**b**" || e.Slug != "post" || e.Updated.Before(e.Published) {
		t.Errorf("after UpdateEntry, EntryByID = %+v, %v", e, err)
	}
	for _, id := range []int64{1 << 40, -1, 0, maxID} {
		if err := s.UpdateEntry(ctx, id, "x", "x", "x"); !errors.Is(err, ErrNotFound) {
			t.Errorf("UpdateEntry(%d) error = %v, want ErrNotFound", id, err)
		}
		if _, err := s.EntryByID(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("EntryByID(%d) error = %v, want ErrNotFound", id, err)
		}
		if _, err := s.AuthorByID(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("AuthorByID(%d) error = %v, want ErrNotFound", id, err)
		}
	}
}

func slugs(entries []*Entry) []string {
	var s []string
	for _, e := range entries {
		s = append(s, e.Slug)
	}
	return s
}

func TestOpenStoreFails(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := OpenStore(ctx, t.TempDir()+"/missing/folder/blog.db"); err == nil {
		t.Errorf("OpenStore in a missing folder succeeded")
	}
}
