package farmalert

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/casework/outbox"
	"github.com/envtrace/envtrace/tracing/farmland"
)

func TestRecordSendsOncePerOffice(t *testing.T) {
	at := time.Date(2026, 8, 14, 4, 0, 0, 0, time.UTC)
	a := farmland.Alert{ID: "FA-1", IssuedAt: at, Source: "facility:N1", Parameter: "Cu", Intakes: []farmland.AlertIntake{
		{IntakeID: "IN-1", Name: "一號門", CloseBy: at.Add(90 * time.Minute), HoursLeft: 1.5, Concentration: 0.5, Standard: 0.2, Unit: "mg/L", Office: "A 站", Email: "a@example.tw"},
		{IntakeID: "IN-2", Name: "二號門", CloseBy: at.Add(3 * time.Hour), HoursLeft: 3, Concentration: 0.3, Standard: 0.2, Unit: "mg/L", Office: "A 站", Email: "a@example.tw"},
		{IntakeID: "IN-3", Name: "三號門", CloseBy: at.Add(5 * time.Hour), HoursLeft: 5, Concentration: 0.25, Standard: 0.2, Unit: "mg/L", Office: "B 站", Email: "b@example.tw"},
		{IntakeID: "IN-4", Name: "四號門", CloseBy: at.Add(6 * time.Hour), HoursLeft: 6, Concentration: 0.25, Standard: 0.2, Unit: "mg/L", Office: "C 站"},
	}}
	ob := outbox.NewMemory()
	b := NewBook(ob)
	for i, want := range []bool{true, false} {
		got, err := b.Record(context.Background(), a)
		if err != nil || got != want {
			t.Fatalf("record %d: %v, %v; want %v", i, got, err, want)
		}
	}
	msgs := ob.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want one per office with an address (2)", len(msgs))
	}
	if msgs[0].To != "a@example.tw" || !strings.Contains(msgs[0].Body, "IN-1") || !strings.Contains(msgs[0].Body, "IN-2") || strings.Contains(msgs[0].Body, "IN-3") {
		t.Errorf("office A's message: %+v", msgs[0])
	}
	if !strings.Contains(msgs[0].Body, "2026-08-14 13:30") {
		t.Errorf("deadline not in Taipei time: %s", msgs[0].Body)
	}
	if l := b.List(); len(l) != 1 || l[0].ID != "FA-1" {
		t.Errorf("list %+v", l)
	}
}
