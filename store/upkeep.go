package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// What a commit leaves for later is the upkeep's: one goroutine per
// writable Store folds waiting events into the rollups (see foldEvery), a
// few per transaction, and checkpoints the write-ahead log into the
// database file, on a connection of its own that writers do not wait for.
// A reply the proxy holds until its request is committed then never also
// waits for a fold, or for a checkpoint's copying and fsyncs.
const (
	// foldChunk is how many waiting events one upkeep transaction folds,
	// so that a Record waiting for the writer meanwhile waits little.
	foldChunk = 32
	// checkpointEvery is how many of this store's commits pass between
	// checkpoints (SQLite's own default is about every 1,000 log pages; a
	// commit here writes two or three).
	checkpointEvery = 256
	// walLimit is how many pages the log may hold after a checkpoint that
	// writers raced: beyond it the upkeep checkpoints holding the writer,
	// so that the log can start over.
	walLimit = 4096
)

type upkeep struct {
	s        *Store
	folds    chan int64    // fold the waiting events up to this id
	ckpt     chan struct{} // checkpoint
	pending  sync.WaitGroup
	quit     chan struct{}
	done     chan struct{}
	ck       *sql.DB // the checkpoints' connection, apart from the writer
	commits  atomic.Int64
	stopOnce sync.Once

	mu  sync.Mutex
	err error // the last failure, reported by Close
}

// startUpkeep readies the checkpoint connection (opened on first use) and
// starts the goroutine.
func startUpkeep(s *Store) (*upkeep, error) {
	ck, err := sql.Open("sqlite", dsn(s.path, writer))
	if err != nil {
		return nil, err
	}
	ck.SetMaxOpenConns(1)
	u := &upkeep{s: s, folds: make(chan int64, 1), ckpt: make(chan struct{}, 1),
		quit: make(chan struct{}), done: make(chan struct{}), ck: ck}
	go u.run()
	return u, nil
}

// askFold asks for the waiting events up to id to be folded, unless a fold
// is asked for already: that one, or the next Record after it, covers them.
func (u *upkeep) askFold(id int64) { ask(&u.pending, u.folds, id) }

// ask hands req to the upkeep goroutine on ch, which has room for one
// request, and counts it in pending until the goroutine has done it. When
// ch holds a request already, req is dropped rather than waited for: the
// callers say why the waiting request, or the next one, covers it.
func ask[T any](pending *sync.WaitGroup, ch chan<- T, req T) {
	pending.Add(1)
	select {
	case ch <- req:
	default:
		pending.Done()
	}
}

// committed counts a commit of the store's and asks for a checkpoint after
// the first (what earlier processes left in the log: one that was killed
// never checkpointed as it closed) and every checkpointEvery-th, unless one
// is asked for already: it copies this commit too. A store that only reads
// checkpoints nothing; a read-only one has no upkeep.
func (u *upkeep) committed() {
	if u == nil {
		return
	}
	if n := u.commits.Add(1); n != 1 && n%checkpointEvery != 0 {
		return
	}
	ask(&u.pending, u.ckpt, struct{}{})
}

func (u *upkeep) run() {
	defer close(u.done)
	for {
		select {
		case id := <-u.folds:
			u.note(u.s.foldThrough(id))
			u.pending.Done()
		case <-u.ckpt:
			u.note(u.checkpoint())
			u.pending.Done()
		case <-u.quit:
			return
		}
	}
}

func (u *upkeep) note(err error) {
	if err == nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.err = err
}

// foldThrough folds the waiting events up to id, foldChunk at a time.
func (s *Store) foldThrough(id int64) error {
	ctx := context.Background()
	for {
		var done bool
		err := s.write(ctx, func(tx *sql.Tx) error {
			var err error
			done, err = s.rec.in(ctx, tx).foldNext(ctx, id)
			return err
		})
		if err != nil {
			// The events stay waiting, which every sum counts; the next
			// Record asks again.
			s.rec.seen.Store(0)
			return fmt.Errorf("fold recorded events into the rollups: %w", err)
		}
		if done {
			return nil
		}
	}
}

// checkpoint copies what it can of the log into the database without
// waiting for readers or writers. When writers kept adding to the log
// meanwhile and it has grown past walLimit pages, it checkpoints again
// holding this store's writer, so that the next write starts the log over.
func (u *upkeep) checkpoint() error {
	frames, err := walCheckpoint(u.ck)
	if err != nil || frames <= walLimit {
		return err
	}
	_, err = walCheckpoint(u.s.w)
	return err
}

// walCheckpoint runs a passive checkpoint on db and returns how many pages
// the log holds.
func walCheckpoint(db *sql.DB) (frames int, err error) {
	var busy, copied int
	if err := db.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		return 0, fmt.Errorf("checkpoint: %w", err)
	}
	return frames, nil
}

// settle waits until the folds and checkpoints asked for are done.
func (u *upkeep) settle() { u.pending.Wait() }

// stop finishes the work asked for, checkpoints what this store wrote, and
// ends the goroutine. It returns the upkeep's last failure; called again, it
// does nothing.
func (u *upkeep) stop() error {
	var err error
	u.stopOnce.Do(func() { err = u.stopNow() })
	return err
}

func (u *upkeep) stopNow() error {
	u.settle()
	close(u.quit)
	<-u.done
	var errs []error
	if u.commits.Load() > 0 {
		_, err := walCheckpoint(u.ck)
		errs = append(errs, err)
	}
	errs = append(errs, u.ck.Close())
	u.mu.Lock()
	errs = append(errs, u.err)
	u.mu.Unlock()
	return errors.Join(errs...)
}
