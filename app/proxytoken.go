package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/byokhq/byok/store"
)

// tokenRotationSetting marks the last replacement of the proxy token. It
// holds when that happened, never the token: the token stays in the
// keychain.
const tokenRotationSetting = "proxy.token_rotated"

// NoteTokenRotation marks in the database that the proxy token was just
// replaced in the keychain, so that a running proxy or `byok serve`, which
// looks at the mark every second, reads the new token and refuses the old.
func (a *App) NoteTokenRotation(ctx context.Context) error {
	// The real clock, not a.now: the mark must change with every rotation,
	// also under a test's fixed clock.
	mark := strconv.FormatInt(time.Now().UnixNano(), 10)
	if err := a.db.SetSetting(ctx, tokenRotationSetting, mark); err != nil {
		return fmt.Errorf("mark the proxy token's rotation in the database: %w", err)
	}
	return nil
}

// TokenRotation returns the mark NoteTokenRotation left last, or "" when
// the proxy token was never replaced. Comparing marks is all a running
// server does to notice a rotation: one indexed read, no keychain.
func (a *App) TokenRotation(ctx context.Context) (string, error) {
	v, err := a.db.Setting(ctx, tokenRotationSetting)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the proxy token's rotation mark: %w", err)
	}
	return v, nil
}
