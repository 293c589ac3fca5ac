package etcd

import (
	"context"
	"log/slog"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// slogCore is a zapcore.Core that hands etcd's log entries to slog, so the
// server has one log stream and one format.
type slogCore struct {
	log   *slog.Logger
	level zapcore.Level
	attrs []slog.Attr
	// closing is set while the member shuts down, when etcd reports its own
	// listeners closing as errors.
	closing *atomic.Bool
}

// newZapLogger returns a zap logger writing to log at level and above. While
// closing is set, every entry is demoted to debug.
func newZapLogger(log *slog.Logger, level zapcore.Level, closing *atomic.Bool) *zap.Logger {
	if closing == nil {
		closing = new(atomic.Bool)
	}
	return zap.New(&slogCore{log: log, level: level, closing: closing})
}

// benign are etcd warnings and errors that say nothing wrong about an
// embedded single member on loopback; they are demoted to debug.
var benign = map[string]bool{
	// We serve gRPC only; the HTTP endpoints share the port by design.
	"Running http and grpc server on single port. This is not recommended for production.": true,
	// etcd auth is off; access is guarded by client certificates.
	"simple token is not cryptographically signed": true,
	// Logged once on a fresh member before its first snapshot; etcd retries.
	"Failed to detect schema version":  true,
	"failed to update storage version": true,
}

func (c *slogCore) Enabled(l zapcore.Level) bool { return l >= c.level }

func (c *slogCore) With(fields []zapcore.Field) zapcore.Core {
	return &slogCore{log: c.log, level: c.level, closing: c.closing,
		attrs: append(c.attrs[:len(c.attrs):len(c.attrs)], toAttrs(fields)...)}
}

func (c *slogCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *slogCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	level := slogLevel(e.Level)
	if level > slog.LevelDebug && (benign[e.Message] || c.closing.Load()) {
		level = slog.LevelDebug
	}
	ctx := context.Background()
	if !c.log.Enabled(ctx, level) {
		return nil
	}
	attrs := append(c.attrs[:len(c.attrs):len(c.attrs)], toAttrs(fields)...)
	if e.LoggerName != "" {
		attrs = append(attrs, slog.String("logger", e.LoggerName))
	}
	c.log.LogAttrs(ctx, level, e.Message, attrs...)
	return nil
}

func (c *slogCore) Sync() error { return nil }

func slogLevel(l zapcore.Level) slog.Level {
	switch {
	case l <= zapcore.DebugLevel:
		return slog.LevelDebug
	case l == zapcore.InfoLevel:
		return slog.LevelInfo
	case l == zapcore.WarnLevel:
		return slog.LevelWarn
	default:
		return slog.LevelError
	}
}

// toAttrs converts zap fields through zap's own map encoder, which knows
// every field type.
func toAttrs(fields []zapcore.Field) []slog.Attr {
	if len(fields) == 0 {
		return nil
	}
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range fields {
		f.AddTo(enc)
	}
	attrs := make([]slog.Attr, 0, len(enc.Fields))
	for _, f := range fields { // keep the caller's order, not the map's
		if v, ok := enc.Fields[f.Key]; ok {
			attrs = append(attrs, slog.Any(f.Key, v))
		}
	}
	return attrs
}

// zapLevel maps a slog level to the zap level etcd should log at.
func zapLevel(l slog.Level) zapcore.Level {
	switch {
	case l <= slog.LevelDebug:
		return zapcore.DebugLevel
	case l <= slog.LevelInfo:
		return zapcore.InfoLevel
	case l <= slog.LevelWarn:
		return zapcore.WarnLevel
	default:
		return zapcore.ErrorLevel
	}
}
