package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/casework/outbox"
	"github.com/envtrace/envtrace/casework/outbox/outboxtest"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
)

func migratedStore(t *testing.T) *store.PostGIS {
	t.Helper()
	return store.New(migrated(t, postgis.Options{StatementTimeout: 30 * time.Second}))
}

// TestOutboxPostGIS runs the outbox suite on the outbox table: delivery,
// a crash between commit and send, a crash between send and mark (resent
// with the same Message-ID), retries and leases.
func TestOutboxPostGIS(t *testing.T) {
	outboxtest.RunStoreSuite(t, func(t *testing.T) (outbox.Store, outboxtest.Enqueuer) {
		st := store.NewOutbox(migratedStore(t).Pool())
		return st, st.Enqueue
	})
}

// TestDumpingPostGIS imports the fixture's land, routes from what was
// stored, and runs a report through the desk on the PostGIS repository.
func TestDumpingPostGIS(t *testing.T) {
	ctx := context.Background()
	pg := migratedStore(t)
	dir := t.TempDir()
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	land, err := dumping.ReadLand(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.ImportLand(ctx, pg.Pool(), land, "central", nil); err != nil {
		t.Fatal(err)
	}
	if err := store.ImportLand(ctx, pg.Pool(), land, "central", nil); err != nil { // idempotent
		t.Fatal(err)
	}
	stored, err := store.LoadLand(ctx, pg.Pool())
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.Parcels) != len(land.Parcels) || len(stored.Agencies) != len(land.Agencies) || len(stored.Jurisdictions) != len(land.Jurisdictions) {
		t.Fatalf("stored %d parcels, %d agencies, %d jurisdictions; imported %d, %d, %d", len(stored.Parcels), len(stored.Agencies),
			len(stored.Jurisdictions), len(land.Parcels), len(land.Agencies), len(land.Jurisdictions))
	}
	a, _ := land.Agency("wra-river3")
	b, _ := stored.Agency("wra-river3")
	if a.SLA[dumping.StateAssigned] != b.SLA[dumping.StateAssigned] || b.Webhook != a.Webhook {
		t.Errorf("agency round trip: %+v, want %+v", b, a)
	}
	fromFile, _ := dumping.NewRouter(land, 0)
	rt, err := dumping.NewRouter(stored, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range land.Parcels {
		if i%50 != 0 {
			continue
		}
		c := p.Geometry.Bound().Center()
		if x, y := fromFile.Route(c), rt.Route(c); x.AgencyID != y.AgencyID || x.ParcelID != y.ParcelID || len(x.Candidates) != len(y.Candidates) {
			t.Fatalf("%v: from the file %+v, from PostGIS %+v", c, x, y)
		}
	}

	repo := store.NewDumpingRepo(pg.Pool())
	now := time.Date(2026, 5, 4, 2, 0, 0, 0, time.UTC)
	ring, _ := privacy.ParseKeyring(bytes.Repeat([]byte{'1'}, 64))
	sealer := dumping.Protection{Keys: ring, Secret: bytes.Repeat([]byte{1}, 32)}
	desk := dumping.NewDesk(repo, rt, sealer, dumping.DeskConfig{Now: func() time.Time { return now }})
	var p orb.Point
	for _, pc := range land.Parcels {
		if pc.Manager == "wra-river3" {
			if c := pc.Geometry.Bound().Center(); rt.Route(c).ParcelID == pc.ID && len(rt.Route(c).Candidates) == 1 {
				p = c
				break
			}
		}
	}
	in := dumping.Intake{ServiceCode: "dumping-industrial", Description: "河川區域發現桶裝廢液", Point: p, CRS: crs.TWD97TM2, Contact: "line:abc"}
	r, err := desk.Submit(ctx, dumping.Public, in)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "DR2026-000001" || r.AgencyID != "wra-river3" {
		t.Fatalf("report %s at %s", r.ID, r.AgencyID)
	}
	now = now.Add(time.Hour)
	in.Point = orb.Point{p[0] + 20, p[1]}
	dup, err := desk.Submit(ctx, dumping.Public, in)
	if err != nil || dup.ID != "DR2026-000002" || dup.DuplicateOf != r.ID {
		t.Fatalf("duplicate %+v, %v", dup, err)
	}
	wra := dumping.Viewer{Role: dumping.RoleAgency, Agency: "wra-river3", Name: "巡查員"}
	if _, err := desk.Move(ctx, wra, r.ID, dumping.Transition{To: dumping.StateReferred, Reason: "非河川區域"}); err == nil {
		t.Fatal("not responsible without a successor was accepted")
	}
	if _, err := desk.Move(ctx, wra, r.ID, dumping.Transition{To: dumping.StateInvestigating}); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.AddReply(ctx, wra, r.ID, true, "已會同環保局採樣"); err != nil {
		t.Fatal(err)
	}
	npa := dumping.Viewer{Role: dumping.RoleAgency, Agency: "npa-central"}
	if _, err := desk.Report(ctx, npa, r.ID); !errors.Is(err, dumping.ErrNotFound) {
		t.Errorf("another agency read the report: %v", err)
	}
	got, err := desk.Report(ctx, wra, r.ID)
	if err != nil || got.State != dumping.StateInvestigating || len(got.Replies) != 1 || len(got.Duplicates) != 1 || !got.HasContact {
		t.Fatalf("stored report %+v, %v", got, err)
	}
	centre := dumping.Viewer{Role: dumping.RoleCentre, Name: "值班"}
	if c, err := desk.Contact(ctx, centre, r.ID); err != nil || c != "line:abc" {
		t.Errorf("contact %q, %v", c, err)
	}
	audit, err := desk.Audit(ctx, centre, r.ID)
	if err != nil || len(audit) < 5 {
		t.Errorf("audit trail %+v, %v", audit, err)
	}
	q, err := desk.Queue(ctx, wra, "wra-river3", dumping.Filter{})
	if err != nil || len(q) != 2 {
		t.Errorf("queue %d, %v", len(q), err)
	}
	open := true
	if q, _ := desk.Queue(ctx, wra, "wra-river3", dumping.Filter{Open: &open}); len(q) != 1 {
		t.Errorf("open queue %d, want 1", len(q))
	}
	// A failing transaction writes nothing: not the report, not its audit,
	// not its messages.
	ob := store.NewOutbox(pg.Pool())
	before, _ := ob.Pending(ctx)
	boom := errors.New("boom")
	err = repo.Update(ctx, func(ctx context.Context, tx dumping.Tx) error {
		x, _ := tx.Report(ctx, r.ID)
		x.State = dumping.StateClosed
		if err := tx.Put(ctx, x); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, outbox.Message{ID: "x", Channel: outbox.Email, To: "a@b.tw", CreatedAt: now}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if after, _ := ob.Pending(ctx); after != before {
		t.Errorf("a rolled-back message stayed: %d → %d", before, after)
	}
	if x, _ := repo.Report(ctx, r.ID); x.State != dumping.StateInvestigating {
		t.Errorf("a rolled-back state stayed: %s", x.State)
	}
	// The assignment's messages were committed with the report.
	if before < 2 {
		t.Errorf("%d messages queued, want the assignment's e-mail and webhook", before)
	}
	// Escalation at the deadline (wra-river3 allows 120 h investigating).
	now = got.DueAt.Add(0)
	if n, err := desk.Escalate(ctx); err != nil || n != 1 {
		t.Errorf("escalated %d, %v", n, err)
	}
	// An erasure request names the reporter by contact: both reports lose
	// it, and stay, anonymised.
	pd := store.NewPersonalData(pg.Pool())
	erased, err := pd.Erase(ctx, sealer.Secret.Subject(" LINE:abc "))
	if err != nil || erased.DumpingContacts != 2 {
		t.Fatalf("Erase = %+v, %v; want the contacts of both reports", erased, err)
	}
	if c, err := desk.Contact(ctx, centre, r.ID); err != nil || c != "" {
		t.Errorf("after erasure the contact is %q, %v", c, err)
	}
	if got, err := desk.Report(ctx, wra, dup.ID); err != nil || got.HasContact || got.Description != in.Description {
		t.Errorf("after erasure the report is %+v, %v", got, err)
	}
}
