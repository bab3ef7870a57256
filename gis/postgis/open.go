package postgis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Defaults applied by Open when the corresponding Options field is zero.
// They are exported so that the CLI can print them in its help text.
const (
	// DefaultStatementTimeout bounds any one SQL statement. 15 s is far
	// above an interactive query on an indexed table (milliseconds) and far
	// below an HTTP client's patience, so a stuck statement turns into an
	// error while the caller can still report it.
	DefaultStatementTimeout = 15 * time.Second
	// DefaultConnectTimeout bounds one connection attempt (TCP, TLS and
	// authentication). An unreachable host otherwise waits for the
	// operating system's TCP timeout, minutes on Linux.
	DefaultConnectTimeout = 5 * time.Second
	// DefaultIdleInTransactionTimeout makes the server end a session that
	// sits inside an open transaction doing nothing, so that a client that
	// crashed or hung mid-transaction cannot hold row locks indefinitely.
	DefaultIdleInTransactionTimeout = time.Minute
	// DefaultApplicationName labels envtrace's sessions in
	// pg_stat_activity, so that a DBA can tell them from other clients.
	DefaultApplicationName = "envtrace"
)

// Options tune Open. The zero value gives the defaults above, which suit
// both the CLI and the server.
type Options struct {
	// StatementTimeout is the server-side limit on any one statement; 0
	// means DefaultStatementTimeout and a negative value disables the
	// limit. Bulk operations that legitimately run longer raise it for
	// their own transaction with SET LOCAL.
	StatementTimeout time.Duration
	// ConnectTimeout bounds each connection attempt; 0 means
	// DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// IdleInTransactionTimeout is the server-side limit on a session idle
	// inside a transaction; 0 means DefaultIdleInTransactionTimeout and a
	// negative value disables it.
	IdleInTransactionTimeout time.Duration
	// MaxConns caps the pool; 0 keeps the URL's pool_max_conns or pgx's
	// default (the larger of 4 and the number of CPUs).
	MaxConns int32
	// ApplicationName is reported in pg_stat_activity; "" keeps the URL's
	// application_name, or DefaultApplicationName when it has none.
	ApplicationName string
	// PingIdle decides which pooled connections are pinged before use: 0
	// pings every connection (one round trip, well under a millisecond on
	// a local network), a positive value only those idle at least that
	// long. Pinging every connection means that after a database restart
	// or pg_terminate_backend the pool discards the dead connections by
	// itself instead of handing each one to a caller to fail on.
	PingIdle time.Duration
}

func (o Options) withDefaults() Options {
	if o.StatementTimeout == 0 {
		o.StatementTimeout = DefaultStatementTimeout
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.IdleInTransactionTimeout == 0 {
		o.IdleInTransactionTimeout = DefaultIdleInTransactionTimeout
	}
	return o
}

// millis renders a duration as the integer milliseconds PostgreSQL's
// timeout settings take; negative means "no limit" (0 to PostgreSQL). A
// positive duration under a millisecond rounds up so it never disables
// the limit by accident.
func millis(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	ms := d.Milliseconds()
	if ms == 0 {
		ms = 1
	}
	return strconv.FormatInt(ms, 10)
}

// Open connects a pool to the database at url (a postgres:// URL or a
// key=value DSN) and checks that it answers, failing within the connect
// timeout when it does not. Every connection the pool makes carries the
// statement and idle-in-transaction timeouts from opt; see the package
// documentation for why. The caller closes the pool.
func Open(ctx context.Context, url string, opt Options) (*pgxpool.Pool, error) {
	opt = opt.withDefaults()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx redacts the password in its parse errors.
		return nil, fmt.Errorf("postgis: database URL: %w", err)
	}
	cc := cfg.ConnConfig
	cc.ConnectTimeout = opt.ConnectTimeout
	if cc.RuntimeParams == nil {
		cc.RuntimeParams = map[string]string{}
	}
	// Startup-packet parameters cost no round trip and apply before the
	// first statement, unlike a SET in AfterConnect.
	cc.RuntimeParams["statement_timeout"] = millis(opt.StatementTimeout)
	cc.RuntimeParams["idle_in_transaction_session_timeout"] = millis(opt.IdleInTransactionTimeout)
	// The planner estimates joins to recursive CTEs at hundreds of millions
	// of rows whatever the start, so with JIT on every upstream query paid
	// 0.2–0.5 s of compilation (a 20-reach query went from 0.6 ms to
	// 290 ms; docs/performance.md). envtrace's queries are short.
	if _, set := cc.RuntimeParams["jit"]; !set {
		cc.RuntimeParams["jit"] = "off"
	}
	switch {
	case opt.ApplicationName != "":
		cc.RuntimeParams["application_name"] = opt.ApplicationName
	case cc.RuntimeParams["application_name"] == "":
		cc.RuntimeParams["application_name"] = DefaultApplicationName
	}
	if opt.MaxConns > 0 {
		cfg.MaxConns = opt.MaxConns
	}
	pingIdle := opt.PingIdle
	cfg.ShouldPing = func(_ context.Context, p pgxpool.ShouldPingParams) bool {
		return pingIdle <= 0 || p.IdleDuration >= pingIdle
	}
	where := describe(cc.Host, cc.Port, cc.Database)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgis: %s: %w", where, err)
	}
	pctx, cancel := context.WithTimeout(ctx, opt.ConnectTimeout+time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgis: cannot reach %s: %w", where, err)
	}
	return pool, nil
}

func describe(host string, port uint16, db string) string {
	if strings.HasPrefix(host, "/") {
		return fmt.Sprintf("database %q on socket %s", db, host)
	}
	return fmt.Sprintf("database %q at %s", db, net.JoinHostPort(host, strconv.Itoa(int(port))))
}

// Retryable reports whether err is a failure that a retry of the same
// operation may not meet again: the connection was lost or refused, the
// server is restarting or terminated the session, or a transaction lost a
// serialization or deadlock race. A retry is only safe for an idempotent
// operation, or when the failed attempt is known not to have committed;
// every write in package store is idempotent for this reason.
//
// Timeouts (statement_timeout, a context deadline) and cancellations are
// not retryable: the caller set them, and repeating the work would exceed
// them again.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"): // connection exception
			return true
		}
		switch pe.Code {
		case "57P01", // admin_shutdown: pg_terminate_backend, smart/fast shutdown
			"57P02", // crash_shutdown
			"57P03", // cannot_connect_now: starting up or in recovery
			"53300", // too_many_connections
			"40001", // serialization_failure
			"40P01": // deadlock_detected
			return true
		}
		return false
	}
	if pgconn.SafeToRetry(err) {
		return true
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	// A connection pgx already closed after an earlier failure reports
	// itself only by this message; pgxpool gives up acquiring with the
	// second when every pooled connection it tried had been terminated
	// (a server restart, pg_terminate_backend), which a retry outlives.
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "pgxpool: too many failed attempts acquiring connection")
}
