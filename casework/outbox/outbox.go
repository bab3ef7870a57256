// Package outbox delivers notifications (e-mail over SMTP, webhooks such
// as a LINE Messaging API bot's relay) from an outbox table, so that a
// state change and the messages it causes are committed in one
// transaction and a crash between commit and send loses nothing.
//
// Delivery is at least once: a Worker claims due messages with a lease,
// sends them and marks them sent. If it dies after sending and before
// marking, the lease runs out and the message is sent again, with the same
// ID: e-mail carries it as the Message-ID header, webhooks as the
// Idempotency-Key header, so a receiver can drop the repeat. Failed sends
// are retried with exponential back-off.
//
// Store is implemented in memory here (Memory, for the demo and tests) and
// in PostgreSQL by package store; producers enqueue through their own
// transaction (casework/dumping's repository), never through Store.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"
)

// Channel is how a message travels.
type Channel string

// Channels.
const (
	Email   Channel = "email"
	Webhook Channel = "webhook"
)

// Message is one notification to one recipient.
type Message struct {
	// ID is stable for the message's whole life: the e-mail Message-ID
	// and the webhook Idempotency-Key.
	ID      string  `json:"id"`
	Channel Channel `json:"channel"`
	// To is an e-mail address or an https URL.
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
	// Topic and Ref let a receiver sort messages ("dumping.assigned",
	// the report id).
	Topic     string    `json:"topic"`
	Ref       string    `json:"ref"`
	CreatedAt time.Time `json:"created_at"`
	// Attempts counts claims; LastError is the last failure.
	Attempts  int        `json:"attempts"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	LastError string     `json:"last_error,omitempty"`
}

// Validate checks a message before it is enqueued.
func (m Message) Validate() error {
	switch {
	case m.ID == "":
		return errors.New("outbox: message without an id")
	case m.Channel == Email && !strings.Contains(m.To, "@"):
		return fmt.Errorf("outbox: message %s: %q is not an e-mail address", m.ID, m.To)
	case m.Channel == Webhook && !strings.HasPrefix(m.To, "https://") && !strings.HasPrefix(m.To, "http://"):
		return fmt.Errorf("outbox: message %s: %q is not an http(s) URL", m.ID, m.To)
	case m.Channel != Email && m.Channel != Webhook:
		return fmt.Errorf("outbox: message %s: unknown channel %q", m.ID, m.Channel)
	}
	return nil
}

// Store is the outbox as the worker sees it.
type Store interface {
	// Claim leases up to n unsent messages that are due at now and not
	// leased by another worker, until now+lease, counting an attempt on
	// each; oldest first.
	Claim(ctx context.Context, now time.Time, lease time.Duration, n int) ([]Message, error)
	// MarkSent records delivery.
	MarkSent(ctx context.Context, id string, at time.Time) error
	// MarkFailed records a failure and when to try again.
	MarkFailed(ctx context.Context, id string, reason string, retryAt time.Time) error
	// Pending counts unsent messages, for metrics and tests.
	Pending(ctx context.Context) (int, error)
}

// Sender delivers one message on one channel. It must be safe to call
// again with the same message.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Worker moves messages from a Store to Senders.
type Worker struct {
	Store   Store
	Senders map[Channel]Sender
	// Lease is how long a claimed message is reserved (default 2 min);
	// it must exceed a send's timeout.
	Lease time.Duration
	// Batch is how many messages one pass claims (default 50).
	Batch int
	// Backoff is the first retry delay, doubled per attempt up to 6 h
	// (default 1 min).
	Backoff time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	Log *slog.Logger
}

func (w *Worker) defaults() {
	if w.Lease <= 0 {
		w.Lease = 2 * time.Minute
	}
	if w.Batch <= 0 {
		w.Batch = 50
	}
	if w.Backoff <= 0 {
		w.Backoff = time.Minute
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
}

// RunOnce claims one batch and tries each message once.
func (w *Worker) RunOnce(ctx context.Context) (sent, failed int, err error) {
	w.defaults()
	msgs, err := w.Store.Claim(ctx, w.Now(), w.Lease, w.Batch)
	if err != nil {
		return 0, 0, err
	}
	for _, m := range msgs {
		if err := ctx.Err(); err != nil {
			return sent, failed, err
		}
		s, ok := w.Senders[m.Channel]
		var serr error
		if !ok {
			serr = fmt.Errorf("no sender for channel %q", m.Channel)
		} else {
			sctx, cancel := context.WithTimeout(ctx, w.Lease/2)
			serr = s.Send(sctx, m)
			cancel()
		}
		if serr == nil {
			if err := w.Store.MarkSent(ctx, m.ID, w.Now()); err != nil {
				return sent, failed, err
			}
			sent++
			continue
		}
		failed++
		retry := w.Now().Add(backoff(w.Backoff, m.Attempts))
		w.Log.Warn("outbox: send failed", "id", m.ID, "channel", m.Channel, "attempt", m.Attempts, "retry_at", retry, "error", serr)
		if err := w.Store.MarkFailed(ctx, m.ID, serr.Error(), retry); err != nil {
			return sent, failed, err
		}
	}
	return sent, failed, nil
}

// backoff doubles base per attempt, capped at 6 h.
func backoff(base time.Duration, attempts int) time.Duration {
	d := float64(base) * math.Pow(2, float64(max(attempts-1, 0)))
	return time.Duration(math.Min(d, float64(6*time.Hour)))
}

// Run repeats RunOnce every interval until ctx ends.
func (w *Worker) Run(ctx context.Context, interval time.Duration) error {
	w.defaults()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.Log.Error("outbox: pass failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
