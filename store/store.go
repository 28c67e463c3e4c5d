// Package store is byok's SQLite database: usage events with hourly rollups,
// key metadata, budgets, alerts, the audit log and a few settings.
//
// One writer connection takes every write with BEGIN IMMEDIATE; a separate
// pool of reader connections serves queries, so a TUI reading and a proxy
// writing (in two processes) both keep working. Pragmas live in the DSN so
// every connection gets them.
//
// Events are summed through rollups (hourly, quarter-hourly, daily). A
// single event does not update them at once: events wait above rollup_mark
// until foldEvery of them are folded in, and every sum adds the waiting ones
// from the raw table within the same read transaction, so totals always
// equal the raw events. Folds of single events and checkpoints of the
// write-ahead log happen after the commits that call for them (upkeep.go).
package store

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/byokhq/byok/filelock"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// applicationID marks a database file as byok's ("byok" in ASCII).
const applicationID = 0x62796f6b

// busyTimeout is how long a connection waits for another process's lock
// before giving up. Writes are short, so waiting is always the right call.
const busyTimeout = 10 * time.Second

// Options configure Open.
type Options struct {
	// ReadOnly opens for reading only (the status line): no migrations, no
	// writes, and the file must already exist.
	ReadOnly bool
	// Now is the clock used for audit and alert times; nil means time.Now.
	Now func() time.Time
}

// Store is byok's SQLite database: one writer connection, a reader pool.
type Store struct {
	path string
	w    *sql.DB // exactly one connection; every write goes through it
	r    *sql.DB // reader pool
	ver  *sql.Conn
	rec  *recorder // the writer's prepared statements
	up   *upkeep   // folds and checkpoints left for later; nil when read-only

	// stmts caches prepared read statements by their SQL: the dashboard,
	// budget checks and the proxy run the same few shapes over and over,
	// and preparing them anew costs more than running them.
	stmts sync.Map
	meta  metaCache
	// lastVer is the data version DataVersion saw last.
	lastVer atomic.Int64
	now     func() time.Time
}

// access is how a connection opens the database file.
type access int

const (
	writer    access = iota // the one writing connection: WAL, BEGIN IMMEDIATE
	reader                  // a reader beside a writer in the same process
	readOnly                // a process that only reads: mode=ro
	immutable               // a reader of a home it cannot write (see openReadOnly)
)

func dsn(path string, a access) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// A bigger page cache and memory-mapped reads keep index inserts and
	// range scans off the read syscall; the default 2 MB cache thrashes
	// long before a million events.
	q.Add("_pragma", "cache_size(-65536)")
	q.Add("_pragma", "mmap_size(268435456)")
	q.Add("_pragma", "temp_store(MEMORY)")
	switch a {
	case writer:
		q.Add("_pragma", "journal_mode(WAL)")
		// Checkpoints are the upkeep's (see upkeep.go), not the commit's.
		q.Add("_pragma", "wal_autocheckpoint(0)")
		q.Set("_txlock", "immediate")
	case reader:
		q.Add("_pragma", "query_only(1)")
	case readOnly:
		q.Add("_pragma", "query_only(1)")
		q.Set("mode", "ro")
	case immutable:
		q.Add("_pragma", "query_only(1)")
		q.Set("mode", "ro")
		q.Set("immutable", "1")
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// Open opens the database at path, creating it and migrating it to the
// current schema if needed. A file that is not a byok database, or was
// written by a newer byok, is refused and left untouched.
func Open(ctx context.Context, path string, opt Options) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s := &Store{path: abs, now: opt.Now}
	if s.now == nil {
		s.now = time.Now
	}
	if opt.ReadOnly {
		if err := checkFile(abs, true); err != nil {
			return nil, err
		}
		if err := s.openReadOnly(ctx); err != nil {
			_ = s.closeAll()
			return nil, err
		}
		return s, nil
	}
	if err := s.openWriter(ctx); err != nil {
		_ = s.closeAll()
		return nil, err
	}
	if err := s.prepare(ctx); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	if s.up, err = startUpkeep(s); err != nil {
		_ = s.closeAll()
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	if s.r, err = sql.Open("sqlite", dsn(abs, reader)); err != nil {
		_ = s.closeAll()
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	s.r.SetMaxOpenConns(4)
	s.r.SetMaxIdleConns(4)
	return s, nil
}

// openReadOnly opens the reader pool of a process that only reads, on a
// home it may not be able to write.
//
// A database in WAL mode is read through its -wal and -shm files, and a
// read-only connection creates them when they are missing; in a directory
// it cannot write, it cannot, and SQLite refuses to open the database
// (SQLite's "Read-Only Databases" in wal.html). Two cases remain readable
// without writing anything:
//   - The -wal and -shm exist (the owner's byok has the database open):
//     SQLite reads them without writing, building its index of the WAL in
//     private memory when the -shm cannot be written.
//   - There is no -wal: the last byok to close the database moved every
//     change into the database file and removed the WAL, and no byok has
//     it open (an open connection keeps its -wal). The file is then read
//     as immutable, with no lock and no -shm. Should the owner start byok
//     and checkpoint while this process reads, a read may fail or be
//     stale; the database itself is never touched from here.
//
// A -wal without a readable -shm holds changes this process cannot find
// safely, and is refused with what to do.
func (s *Store) openReadOnly(ctx context.Context) error {
	// The first read, of what checkReadable needs, is where SQLite fails
	// for want of the -wal and -shm.
	var id, ver int64
	open := func(a access) error {
		db, err := sql.Open("sqlite", dsn(s.path, a))
		if err != nil {
			return err
		}
		db.SetMaxOpenConns(4)
		db.SetMaxIdleConns(4)
		if err := db.QueryRowContext(ctx, "SELECT application_id, user_version FROM pragma_application_id, pragma_user_version").Scan(&id, &ver); err != nil {
			db.Close()
			return err
		}
		s.r = db
		return nil
	}
	err := open(readOnly)
	if err != nil && cannotShare(err) {
		wal, werr := os.Stat(s.path + "-wal")
		switch {
		case errors.Is(werr, fs.ErrNotExist) || (werr == nil && wal.Size() == 0):
			err = open(immutable)
		case werr == nil:
			return Refuse(ErrNotWritable, "%s-wal holds changes not yet in %s, and reading them needs %s-shm, which this user can neither read nor create (%v); run any byok command once as the user who owns the home, or make its directory writable",
				s.path, filepath.Base(s.path), filepath.Base(s.path), err)
		}
	}
	if err != nil {
		return s.explainOpenErr(err)
	}
	return s.checkReadable(id, ver)
}

// cannotShare says whether SQLite failed for want of the -wal and -shm
// files: it may neither create nor write them (SQLITE_READONLY and its
// extended codes, SQLITE_CANTOPEN).
func cannotShare(err error) bool {
	var se interface{ Code() int }
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case 8, 14: // SQLITE_READONLY, SQLITE_CANTOPEN
		return true
	}
	return false
}

// openWriter creates, checks and migrates the database and opens the writer
// connection. Processes that start at once on a new or older home take
// turns through a lock file beside the database: one creates and migrates,
// the others wait and then find the current schema. Without it they raced
// to create the same tables and to write the same backup.
func (s *Store) openWriter(ctx context.Context) (err error) {
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create the data directory %s: %w; make it writable or choose another with --home", dir, err)
	}
	if err := checkWritable(s.path); err != nil {
		return err
	}
	lock, err := filelock.Acquire(s.path + ".lock")
	if err != nil {
		return fmt.Errorf("the data directory %s is not writable (%v); fix its permissions or choose another with --home", dir, err)
	}
	defer lock.Unlock() //nolint:errcheck // closing the lock file releases it whatever Unlock says
	if err := checkFile(s.path, false); err != nil {
		return err
	}
	if err := s.inspect(ctx); err != nil {
		return err
	}
	if s.w, err = sql.Open("sqlite", dsn(s.path, writer)); err != nil {
		return fmt.Errorf("open store %s: %w", s.path, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	return s.migrate(ctx)
}

// checkFile refuses, before SQLite touches anything, a file that is not an
// SQLite database, and explains an unwritable data directory.
func checkFile(path string, readOnly bool) error {
	f, err := os.Open(path)
	switch {
	case err == nil:
		defer f.Close()
		// Spend, key metadata and prompts are nobody else's business. A
		// reader changes nothing; a writer makes private only what it may
		// change, and will not write another user's open database.
		if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 && !readOnly {
			if uid, ok := Owner(fi); !ok {
				return Refuse(ErrNotWritable, "%s belongs to another user (uid %d) and is open to others (mode %v); byok changes the mode only of files you own and writes no database others can read, so this command, which changes it, cannot run; reading commands still work. Its owner can make it private with chmod 600, or use a home of your own with --home",
					path, uid, fi.Mode().Perm())
			}
			if err := os.Chmod(path, 0o600); err != nil {
				return fmt.Errorf("make %s private (chmod 600): %w", path, err)
			}
			for _, side := range []string{"-wal", "-shm"} {
				if fi, err := os.Stat(path + side); err == nil {
					if _, ok := Owner(fi); ok {
						_ = os.Chmod(path+side, 0o600)
					}
				}
			}
		}
		head := make([]byte, 16)
		n, err := io.ReadFull(f, head)
		if n == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF) {
			if readOnly {
				// Every command treats an empty file alike: the first one
				// that may write makes it a database, so a reader asks
				// for that (the CLI's status line opens for writing once,
				// as it does for an older schema).
				return fmt.Errorf("%s is empty; open it once for writing (any byok command) to make it a byok database: %w", path, ErrOldSchema)
			}
			return nil // an empty file: SQLite makes it a database
		}
		if n < 16 || !bytes.Equal(head, []byte("SQLite format 3\x00")) {
			return fmt.Errorf("%s is not an SQLite database; it was left untouched. Move it aside or point byok elsewhere with --home: %w", path, ErrNotDatabase)
		}
		return nil
	case errors.Is(err, fs.ErrNotExist):
		if readOnly {
			return Refuse(ErrNotFound, "no byok database at %s yet: run any byok command (for example `byok demo`) to create one", path)
		}
		dir := filepath.Dir(path)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("cannot create the data directory %s: %w; make it writable or choose another with --home", dir, err)
		}
		probe, err := os.CreateTemp(dir, ".byok-probe-*")
		if err != nil {
			return fmt.Errorf("the data directory %s is not writable (%v); fix its permissions or choose another with --home", dir, err)
		}
		probe.Close()
		os.Remove(probe.Name())
		// Create the file private: SQLite gives the -wal and -shm files the
		// database's mode.
		db, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create the database %s: %w", path, err)
		}
		if db != nil {
			db.Close()
		}
		return nil
	default:
		return fmt.Errorf("cannot read the database %s: %w", path, err)
	}
}

// checkWritable refuses, before anything is created or changed, a data
// directory this user cannot write, or a database, WAL or lock file in it
// that it cannot write: SQLite would fail later with "attempt to write a
// readonly database", which says nothing of what to do. Reading commands
// open such a home read-only instead (ErrNotWritable).
func checkWritable(path string) error {
	dir := filepath.Dir(path)
	check := []string{dir}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + ".lock"} {
		if _, err := os.Lstat(p); err == nil {
			check = append(check, p)
		}
	}
	for _, p := range check {
		if err := canWrite(p); err != nil {
			return Refuse(ErrNotWritable, "byok's data directory %s cannot be written by this user (%v), so this command, which changes it, cannot run; reading commands (status, usage, log, budget list, keys list, …) still work. Run it as the user who owns the directory, make it and its files writable (chmod u+w), or use another home with --home",
				dir, err)
		}
	}
	return nil
}

// inspect looks at an existing database through a read-only connection
// without pragmas, before the writer's DSN turns on WAL (which rewrites the
// header): a foreign or newer database must stay byte-for-byte untouched.
func (s *Store) inspect(ctx context.Context) error {
	if fi, err := os.Stat(s.path); err != nil || fi.Size() == 0 {
		return nil
	}
	u := url.URL{Scheme: "file", Path: s.path, RawQuery: "mode=ro&_pragma=busy_timeout(10000)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return s.explainOpenErr(err)
	}
	defer db.Close()
	var id, ver, tables int64
	if err := db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&id); err != nil {
		return s.explainOpenErr(err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&ver); err != nil {
		return s.explainOpenErr(err)
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tables); err != nil {
		return s.explainOpenErr(err)
	}
	if tables > 0 && id != applicationID {
		return fmt.Errorf("%s is an SQLite database but not byok's; it was left untouched: %w", s.path, ErrNotDatabase)
	}
	if ver > int64(len(migrations())) {
		return fmt.Errorf("%s has schema version %d but this byok knows only %d; it was left untouched. Upgrade byok: %w", s.path, ver, len(migrations()), ErrNewerSchema)
	}
	return nil
}

// checkReadable refuses, for a process that only reads, a database that
// is not byok's (application id) or not at this byok's schema version.
func (s *Store) checkReadable(id, ver int64) error {
	known := int64(len(migrations()))
	if id != applicationID {
		return fmt.Errorf("%s is not a byok database: %w", s.path, ErrNotDatabase)
	}
	if ver > known {
		return fmt.Errorf("%s has schema version %d but this byok knows only %d; upgrade byok: %w", s.path, ver, known, ErrNewerSchema)
	}
	if ver < known {
		return fmt.Errorf("%s has schema version %d; open it once for writing (any byok command) to upgrade it to %d: %w", s.path, ver, known, ErrOldSchema)
	}
	return nil
}

func (s *Store) explainOpenErr(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "readonly") || strings.Contains(msg, "read-only") || strings.Contains(msg, "unable to open"):
		return fmt.Errorf("cannot write the database %s (%v): make its directory writable or choose another with --home", s.path, err)
	case strings.Contains(msg, "not a database") || strings.Contains(msg, "malformed"):
		return fmt.Errorf("%s is damaged or not a database (%v); it was left untouched: %w", s.path, err, ErrNotDatabase)
	}
	return fmt.Errorf("open store %s: %w", s.path, err)
}

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order; file names start with
// their version number ("001_init.sql").
func migrations() []migration {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		panic(err) // embedded at build time; cannot fail
	}
	var ms []migration
	for _, e := range entries {
		n, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(n)
		if !ok || err != nil {
			panic("store: migration without a version number: " + e.Name())
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			panic(err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			panic(fmt.Sprintf("store: migrations must be numbered 1, 2, 3…; %s is out of place", m.name))
		}
	}
	return ms
}

// failMigration lets a test inject a failure after the named migration's SQL
// has run but before it commits.
var failMigration = func(version int) error { return nil }

// migrate brings the schema to the newest version. Each migration runs in
// its own transaction together with its user_version bump, so a failure
// leaves the previous version intact; an existing database is first copied
// with VACUUM INTO next to the file.
func (s *Store) migrate(ctx context.Context) error {
	ms := migrations()
	var id, ver int64
	if err := s.w.QueryRowContext(ctx, "PRAGMA application_id").Scan(&id); err != nil {
		return s.explainOpenErr(err)
	}
	if err := s.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&ver); err != nil {
		return s.explainOpenErr(err)
	}
	if ver > int64(len(ms)) {
		return fmt.Errorf("%s has schema version %d but this byok knows only %d; it was left untouched. Upgrade byok: %w", s.path, ver, len(ms), ErrNewerSchema)
	}
	if ver == int64(len(ms)) {
		if id != applicationID {
			return fmt.Errorf("%s is an SQLite database but not byok's; it was left untouched: %w", s.path, ErrNotDatabase)
		}
		return nil
	}
	if ver == 0 {
		var tables int
		if err := s.w.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tables); err != nil {
			return s.explainOpenErr(err)
		}
		if tables > 0 && id != applicationID {
			return fmt.Errorf("%s is an SQLite database but not byok's; it was left untouched: %w", s.path, ErrNotDatabase)
		}
	} else {
		if id != applicationID {
			return fmt.Errorf("%s is an SQLite database but not byok's; it was left untouched: %w", s.path, ErrNotDatabase)
		}
		backup := fmt.Sprintf("%s.v%d-%s.bak", s.path, ver, s.now().UTC().Format("20060102T150405"))
		if _, err := s.w.ExecContext(ctx, "VACUUM INTO ?", backup); err != nil {
			return fmt.Errorf("back up %s before upgrading it: %w", s.path, err)
		}
	}
	if _, err := s.w.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		return s.explainOpenErr(err)
	}
	for _, m := range ms {
		if int64(m.version) <= ver {
			continue
		}
		if err := s.applyMigration(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) applyMigration(ctx context.Context, m migration) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.explainOpenErr(err)
	}
	defer tx.Rollback()
	// Another process may have migrated while this one waited for the lock.
	var cur int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
		return fmt.Errorf("migrate %s: %w", s.path, err)
	}
	if cur >= m.version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migrate %s to version %d (%s): %w; the database was left at version %d", s.path, m.version, m.name, err, cur)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id=%d; PRAGMA user_version=%d", applicationID, m.version)); err != nil {
		return fmt.Errorf("migrate %s to version %d: %w", s.path, m.version, err)
	}
	if err := failMigration(m.version); err != nil {
		return fmt.Errorf("migrate %s to version %d (%s): %w; the database was left at version %d", s.path, m.version, m.name, err, cur)
	}
	return tx.Commit()
}

// Close closes both pools.
func (s *Store) Close() error {
	return s.closeAll()
}

func (s *Store) closeAll() error {
	var errs []error
	s.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	if s.up != nil {
		errs = append(errs, s.up.stop())
	}
	if s.rec != nil {
		s.rec.close()
	}
	if s.ver != nil {
		errs = append(errs, s.ver.Close())
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	return errors.Join(errs...)
}

// Path returns the database file path.
func (s *Store) Path() string { return s.path }

// DataVersion returns SQLite's PRAGMA data_version on one held reader
// connection; it changes when another connection or process commits, which
// lets the TUI refresh only when something changed.
func (s *Store) DataVersion(ctx context.Context) (int64, error) {
	if s.ver == nil {
		c, err := s.r.Conn(ctx)
		if err != nil {
			return 0, err
		}
		s.ver = c
	}
	var v int64
	if err := s.ver.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return 0, err
	}
	// Whoever watches for changes reads what changed next: the cached
	// budgets and keys must not hide another process's edit from them.
	if s.lastVer.Swap(v) != v {
		s.meta.clear()
	}
	return v, nil
}

// stmt returns the reader pool's prepared statement for q, preparing it
// once: the dashboard, budget checks and the proxy run the same few shapes
// over and over, and preparing them anew costs more than running them.
func (s *Store) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if v, ok := s.stmts.Load(q); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := s.r.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if v, loaded := s.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		st = v.(*sql.Stmt)
	}
	return st, nil
}

// query runs a read through the statement cache.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := s.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// queryRow is query for one row.
func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := s.stmt(ctx, q)
	if err != nil {
		return s.r.QueryRowContext(ctx, q, args...) // reports the same error
	}
	return st.QueryRowContext(ctx, args...)
}

// lookupText returns the one text column q selects for key, or an ErrNotFound
// refusal naming what was looked up ("setting") and the key.
func (s *Store) lookupText(ctx context.Context, what, q, key string) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, q, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", Refuse(ErrNotFound, "%s %q", what, key)
	}
	return v, err
}

// writeTx runs fn in a write transaction (BEGIN IMMEDIATE through the DSN)
// and forgets the cached budgets and default keys it may have changed.
func (s *Store) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	defer s.meta.clear()
	return s.write(ctx, fn)
}

// write runs fn in a write transaction.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.w == nil {
		return errors.New("the store was opened read-only")
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.up.committed()
	return nil
}

// Times byok stores are nanoseconds since 1970 in an int64, which reach
// from 1677 to 2262; MinTime and MaxTime keep well inside, so that no time
// is ever stored as another. Every time read from a user or a file is
// checked with CheckTime.
var (
	MinTime = time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(2261, 12, 31, 0, 0, 0, 0, time.UTC)
)

// ErrTimeRange is returned for a time outside MinTime…MaxTime.
var ErrTimeRange = errors.New("outside the times byok can store")

// CheckTime refuses a time byok cannot store, naming the accepted range.
func CheckTime(t time.Time) error {
	if t.Before(MinTime) || !t.Before(MaxTime) {
		return fmt.Errorf("%s is %w: use a time from %s to %s", t.Format(time.RFC3339), ErrTimeRange,
			MinTime.Format(time.DateOnly), MaxTime.Format(time.DateOnly))
	}
	return nil
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
