package badger

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// slogAdapter is the badger.Logger that forwards Badger's warnings and
// errors to a *slog.Logger (slog.Default() when nil) and drops the rest.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Errorf(format string, args ...any) { a.log(slog.LevelError, format, args) }

func (a slogAdapter) Warningf(format string, args ...any) { a.log(slog.LevelWarn, format, args) }

func (slogAdapter) Infof(string, ...any) {}

func (slogAdapter) Debugf(string, ...any) {}

func (a slogAdapter) log(level slog.Level, format string, args []any) {
	l := a.l
	if l == nil {
		l = slog.Default()
	}
	ctx := context.Background()
	if !l.Enabled(ctx, level) {
		return
	}
	l.Log(ctx, level, strings.TrimSpace(fmt.Sprintf(format, args...)), "backend", "badger")
}
