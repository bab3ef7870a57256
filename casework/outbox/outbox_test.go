package outbox_test

import (
	"context"
	"testing"

	"github.com/envtrace/envtrace/casework/outbox"
	"github.com/envtrace/envtrace/casework/outbox/outboxtest"
)

func TestMemoryStore(t *testing.T) {
	outboxtest.RunStoreSuite(t, func(t *testing.T) (outbox.Store, outboxtest.Enqueuer) {
		m := outbox.NewMemory()
		return m, func(_ context.Context, ms ...outbox.Message) error { return m.Enqueue(ms...) }
	})
}

func TestMessageValidate(t *testing.T) {
	tests := []struct {
		name string
		m    outbox.Message
		ok   bool
	}{
		{"e-mail", outbox.Message{ID: "a", Channel: outbox.Email, To: "x@example.tw"}, true},
		{"webhook", outbox.Message{ID: "a", Channel: outbox.Webhook, To: "https://hooks.example.tw/x"}, true},
		{"no id", outbox.Message{Channel: outbox.Email, To: "x@example.tw"}, false},
		{"bad address", outbox.Message{ID: "a", Channel: outbox.Email, To: "x"}, false},
		{"bad URL", outbox.Message{ID: "a", Channel: outbox.Webhook, To: "ftp://x"}, false},
		{"unknown channel", outbox.Message{ID: "a", Channel: "fax", To: "x"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.m.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate = %v, want ok %v", err, tc.ok)
			}
		})
	}
}
