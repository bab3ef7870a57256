// Package outboxtest gives tests real receivers for the outbox's channels:
// an SMTP sink and a webhook receiver on the loopback interface, started
// and stopped by the test, and a suite every outbox.Store implementation
// must pass (crash between commit and send included).
package outboxtest

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/envtrace/envtrace/casework/outbox"
)

// Mail is one message the sink received.
type Mail struct {
	From, To  string
	MessageID string
	Subject   string
	Body      string
}

// SMTPSink is a minimal SMTP server (RFC 5321 without extensions) that
// keeps what it receives.
type SMTPSink struct {
	Addr string
	ln   net.Listener
	mu   sync.Mutex
	got  []Mail
	wg   sync.WaitGroup
}

// StartSMTP starts a sink on 127.0.0.1 and stops it when the test ends.
func StartSMTP(t testing.TB) *SMTPSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &SMTPSink{Addr: ln.Addr().String(), ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.serve(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *SMTPSink) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	say := func(l string) { _, _ = io.WriteString(c, l+"\r\n") }
	say("220 sink ESMTP")
	var m Mail
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 sink")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			m = Mail{From: strings.Trim(strings.TrimSpace(line)[10:], "<>")}
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			m.To = strings.Trim(strings.TrimSpace(line)[8:], "<>")
			say("250 ok")
		case cmd == "DATA":
			say("354 go ahead")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			if msg, err := mail.ReadMessage(strings.NewReader(data.String())); err == nil {
				m.MessageID = msg.Header.Get("Message-ID")
				m.Subject, _ = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
				b, _ := io.ReadAll(msg.Body)
				if d, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), "")); err == nil {
					m.Body = string(d)
				} else {
					m.Body = string(b)
				}
			}
			s.mu.Lock()
			s.got = append(s.got, m)
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		case cmd == "RSET", cmd == "NOOP":
			say("250 ok")
		default:
			say("502 not implemented")
		}
	}
}

// Received returns what the sink got, in order.
func (s *SMTPSink) Received() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.got...)
}

// Hook is one delivery the webhook receiver got.
type Hook struct {
	IdempotencyKey string
	Signature      string
	Body           []byte
}

// WebhookReceiver is an HTTP server that keeps deliveries; Fail makes it
// answer 503 to the next n requests.
type WebhookReceiver struct {
	URL  string
	mu   sync.Mutex
	got  []Hook
	fail int
}

// StartWebhook starts a receiver and stops it when the test ends.
func StartWebhook(t testing.TB) *WebhookReceiver {
	t.Helper()
	w := &WebhookReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.fail > 0 {
			w.fail--
			http.Error(rw, "busy", http.StatusServiceUnavailable)
			return
		}
		w.got = append(w.got, Hook{IdempotencyKey: r.Header.Get("Idempotency-Key"), Signature: r.Header.Get("X-Envtrace-Signature"), Body: b})
		rw.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	w.URL = srv.URL
	return w
}

// Fail makes the next n deliveries fail with 503.
func (w *WebhookReceiver) Fail(n int) {
	w.mu.Lock()
	w.fail = n
	w.mu.Unlock()
}

// Received returns the deliveries, in order.
func (w *WebhookReceiver) Received() []Hook {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Hook(nil), w.got...)
}

// Enqueuer commits messages to the store under test, as a producer's
// transaction would.
type Enqueuer func(ctx context.Context, ms ...outbox.Message) error

// crashAfterSend wraps a Store so that marking a message sent fails as if
// the process died right after the send.
type crashAfterSend struct{ outbox.Store }

var errCrash = errors.New("process killed between send and mark")

func (crashAfterSend) MarkSent(context.Context, string, time.Time) error { return errCrash }

// RunStoreSuite checks an outbox.Store: delivery over both channels, a
// crash between commit and send, a crash between send and mark (the
// message is sent again with the same ID and nothing is lost), retries
// after a failing receiver, and leases that keep two workers apart.
func RunStoreSuite(t *testing.T, newStore func(t *testing.T) (outbox.Store, Enqueuer)) {
	t0 := time.Date(2026, 8, 14, 9, 0, 0, 0, time.UTC)
	msgs := func(sink *SMTPSink, hook *WebhookReceiver) []outbox.Message {
		return []outbox.Message{
			{ID: "dumping-DR1-assigned-npa", Channel: outbox.Email, To: "dumping@npa.example.tw", Subject: "新案件 DR1", Body: "臺中市烏日區 有人棄置營建廢棄物。", Topic: "dumping.assigned", Ref: "DR1", CreatedAt: t0},
			{ID: "dumping-DR1-assigned-hook", Channel: outbox.Webhook, To: hook.URL + "/line-bot", Subject: "新案件 DR1", Body: "請派員查處", Topic: "dumping.assigned", Ref: "DR1", CreatedAt: t0},
		}
	}
	worker := func(st outbox.Store, sink *SMTPSink, now *time.Time) *outbox.Worker {
		return &outbox.Worker{Store: st, Lease: time.Minute, Backoff: time.Minute, Now: func() time.Time { return *now },
			Senders: map[outbox.Channel]outbox.Sender{
				outbox.Email:   outbox.SMTP{Addr: sink.Addr, From: "envtrace@centre.example.tw"},
				outbox.Webhook: outbox.HTTPWebhook{Secret: "s3cret"},
			}}
	}
	ctx := context.Background()

	t.Run("crash between commit and send loses nothing", func(t *testing.T) {
		st, enqueue := newStore(t)
		sink, hook := StartSMTP(t), StartWebhook(t)
		if err := enqueue(ctx, msgs(sink, hook)...); err != nil {
			t.Fatal(err)
		}
		// The producer committed, then the process died before any worker
		// ran: a new worker finds both messages.
		now := t0
		sent, failed, err := worker(st, sink, &now).RunOnce(ctx)
		if err != nil || sent != 2 || failed != 0 {
			t.Fatalf("RunOnce: sent %d failed %d err %v", sent, failed, err)
		}
		mails, hooks := sink.Received(), hook.Received()
		if len(mails) != 1 || mails[0].MessageID != "<dumping-DR1-assigned-npa@envtrace.invalid>" || mails[0].Subject != "新案件 DR1" || !strings.Contains(mails[0].Body, "營建廢棄物") {
			t.Errorf("mail %+v", mails)
		}
		if len(hooks) != 1 || hooks[0].IdempotencyKey != "dumping-DR1-assigned-hook" || hooks[0].Signature != outbox.Sign("s3cret", hooks[0].Body) {
			t.Errorf("webhook %+v", hooks)
		}
		if n, _ := st.Pending(ctx); n != 0 {
			t.Errorf("%d messages still pending", n)
		}
		// A second pass sends nothing more.
		if sent, _, _ := worker(st, sink, &now).RunOnce(ctx); sent != 0 {
			t.Errorf("a delivered message was sent again (%d)", sent)
		}
	})

	t.Run("crash between send and mark: resent with the same id", func(t *testing.T) {
		st, enqueue := newStore(t)
		sink, hook := StartSMTP(t), StartWebhook(t)
		if err := enqueue(ctx, msgs(sink, hook)[:1]...); err != nil {
			t.Fatal(err)
		}
		now := t0
		w := worker(crashAfterSend{st}, sink, &now)
		if _, _, err := w.RunOnce(ctx); !errors.Is(err, errCrash) {
			t.Fatalf("the simulated crash did not happen: %v", err)
		}
		// Another worker while the lease holds: nothing to claim.
		if sent, _, err := worker(st, sink, &now).RunOnce(ctx); err != nil || sent != 0 {
			t.Fatalf("claimed a leased message: sent %d, %v", sent, err)
		}
		now = now.Add(61 * time.Second) // the dead worker's lease runs out
		if sent, _, err := worker(st, sink, &now).RunOnce(ctx); err != nil || sent != 1 {
			t.Fatalf("after the lease: sent %d, %v", sent, err)
		}
		got := sink.Received()
		if len(got) != 2 || got[0].MessageID != got[1].MessageID || got[0].MessageID == "" {
			t.Fatalf("want the message twice with one Message-ID, got %+v", got)
		}
		if n, _ := st.Pending(ctx); n != 0 {
			t.Errorf("%d messages still pending", n)
		}
	})

	t.Run("a failing receiver is retried with back-off", func(t *testing.T) {
		st, enqueue := newStore(t)
		sink, hook := StartSMTP(t), StartWebhook(t)
		if err := enqueue(ctx, msgs(sink, hook)[1:]...); err != nil {
			t.Fatal(err)
		}
		hook.Fail(2)
		now := t0
		w := worker(st, sink, &now)
		if sent, failed, err := w.RunOnce(ctx); err != nil || sent != 0 || failed != 1 {
			t.Fatalf("first try: sent %d failed %d %v", sent, failed, err)
		}
		now = now.Add(30 * time.Second) // before the 1-minute back-off
		if sent, failed, _ := w.RunOnce(ctx); sent+failed != 0 {
			t.Fatalf("retried before the back-off: %d/%d", sent, failed)
		}
		now = now.Add(31 * time.Second)
		if _, failed, _ := w.RunOnce(ctx); failed != 1 {
			t.Fatalf("second try should fail too")
		}
		now = now.Add(2 * time.Minute) // second back-off is 2 minutes
		if sent, _, _ := w.RunOnce(ctx); sent != 1 {
			t.Fatalf("third try should deliver")
		}
		if got := hook.Received(); len(got) != 1 || got[0].IdempotencyKey != "dumping-DR1-assigned-hook" {
			t.Errorf("deliveries %+v", got)
		}
	})

	t.Run("concurrent workers never claim the same message", func(t *testing.T) {
		st, enqueue := newStore(t)
		sink, hook := StartSMTP(t), StartWebhook(t)
		var ms []outbox.Message
		for i := range 30 {
			m := msgs(sink, hook)[1]
			m.ID = fmt.Sprintf("hook-%02d", i)
			ms = append(ms, m)
		}
		if err := enqueue(ctx, ms...); err != nil {
			t.Fatal(err)
		}
		now := t0
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := worker(st, sink, &now)
				w.Batch = 4
				for range 20 {
					if _, _, err := w.RunOnce(ctx); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		seen := map[string]int{}
		for _, h := range hook.Received() {
			seen[h.IdempotencyKey]++
		}
		for _, m := range ms {
			if seen[m.ID] != 1 {
				t.Errorf("%s delivered %d times", m.ID, seen[m.ID])
			}
		}
	})

	t.Run("enqueueing the same id twice sends once", func(t *testing.T) {
		st, enqueue := newStore(t)
		sink, hook := StartSMTP(t), StartWebhook(t)
		m := msgs(sink, hook)[:1]
		if err := enqueue(ctx, m...); err != nil {
			t.Fatal(err)
		}
		if err := enqueue(ctx, m...); err != nil {
			t.Fatal(err)
		}
		now := t0
		if sent, _, _ := worker(st, sink, &now).RunOnce(ctx); sent != 1 {
			t.Errorf("sent %d, want 1", sent)
		}
	})
}
