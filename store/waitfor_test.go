package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestFollowerWaitFor checks that a writer waiting for its rows is woken
// when the follower applies them, not before, and that a wait ends with
// its context.
func TestFollowerWaitFor(t *testing.T) {
	f := &Follower{}
	f.advance(3)
	if err := f.WaitFor(context.Background(), 3); err != nil {
		t.Fatalf("rows already applied: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- f.WaitFor(context.Background(), 7) }()
	f.advance(5)
	select {
	case err := <-done:
		t.Fatalf("woken at high water 5 for row 7: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	f.advance(8)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("wait for row 7 after it was applied: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("not woken after row 7 was applied")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.WaitFor(ctx, 9); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait past its context: %v, want context.Canceled", err)
	}
}
