package store

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/casework/petition"
	"github.com/envtrace/envtrace/tracing/odour"
)

// PetitionsChannel is the LISTEN/NOTIFY channel on which every petition
// the desk accepts (PetitionRepo.Accept) announces, at COMMIT, the largest
// intake seq, so that every `serve --db` replica holds it within a second.
const PetitionsChannel = "envtrace_petitions"

// PetitionRepo is the petition desk's system of record in PostGIS
// (petition.Store; the petitions table of migrations 0010 and 0015): the
// exact location as a point, the contact only sealed.
type PetitionRepo struct{ Pool *pgxpool.Pool }

// Accept implements petition.Store: one transaction takes the next seq
// (under a lock, so intake commits in seq order and a follower never
// misses one), stores the petition as OP-<seq> and notifies the replicas.
func (r PetitionRepo) Accept(ctx context.Context, s petition.Stored) (string, error) {
	p := s.Petition
	var id string
	err := pgx.BeginFunc(ctx, r.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `select pg_advisory_xact_lock(hashtext('envtrace petitions writers'))`); err != nil {
			return err
		}
		var hedonic *int
		if p.Hedonic != nil {
			h := *p.Hedonic
			hedonic = &h
		}
		var caseNumber *string
		if s.CaseNumber != "" {
			caseNumber = &s.CaseNumber
		}
		if err := tx.QueryRow(ctx, `with s as (select nextval(pg_get_serial_sequence('petitions', 'seq')) as n)
			insert into petitions (seq, petition_id, time, category, intensity, hedonic, duration, channel, description, geom,
				contact_sealed, case_number, received, origin, contact_subjects)
			select n, 'OP-' || lpad(n::text, 6, '0'), $1, $2, $3, $4, $5, $6, $7, ST_SetSRID(ST_MakePoint($8, $9), 4326), $10, $11, $12, 'intake', $13
			from s returning petition_id`,
			p.Time, p.Category.String(), p.Intensity, hedonic, string(p.Duration), p.Channel, p.Description, p.Lon, p.Lat,
			s.Sealed, caseNumber, s.Received, subjectsOrNil(s.Subjects)).Scan(&id); err != nil {
			return err
		}
		return notifyMark(ctx, tx, PetitionsChannel, `select max(seq) from petitions where origin = 'intake'`)
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "petitions_case_number_idx" {
		var held string
		_ = r.Pool.QueryRow(ctx, `select petition_id from petitions where case_number = $1`, s.CaseNumber).Scan(&held)
		return "", &petition.InputError{Field: "case_number", Reason: fmt.Sprintf("already received as %s", held)}
	}
	if err != nil {
		return "", wrap("accept petition", err)
	}
	return id, nil
}

// subjectsOrNil stores no blind index as null (a row to match by opening
// its sealed contact, or one without a contact).
func subjectsOrNil(ss []string) any {
	if len(ss) == 0 {
		return nil
	}
	return ss
}

// erasedNotice is the payload of the NOTIFY an erasure or a purge sends
// on PetitionsChannel: not a seq, so every follower reads the erasures.
const erasedNotice = "erased"

// ErasedHighWater is the largest petition erasure seq (0 for none), from
// which a PetitionFollower follows erasures; read it before LoadIntake.
func ErasedHighWater(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	var n int64
	if err := pool.QueryRow(ctx, `select coalesce(max(erased_seq), 0) from petitions`).Scan(&n); err != nil {
		return 0, wrap("petition erasures", err)
	}
	return n, nil
}

// erasedSince returns the ids of the petitions whose contacts were erased
// or purged after erasure seq after, and the largest seq.
func erasedSince(ctx context.Context, q querier, after int64) ([]string, int64, error) {
	rows, err := q.Query(ctx, `select petition_id, erased_seq from petitions where erased_seq > $1 order by erased_seq`, after)
	if err != nil {
		return nil, after, wrap("petition erasures", err)
	}
	defer rows.Close()
	var ids []string
	last := after
	for rows.Next() {
		var id string
		if err := rows.Scan(&id, &last); err != nil {
			return nil, after, err
		}
		ids = append(ids, id)
	}
	return ids, last, rows.Err()
}

// LoadIntake returns the petitions the desk accepted, in seq order, and
// the largest seq (0 for none), from which a PetitionFollower follows.
// Imported petitions (petitions.csv) are LoadOdourAir's.
func LoadIntake(ctx context.Context, pool *pgxpool.Pool) ([]petition.Stored, int64, error) {
	return intakeSince(ctx, pool, 0, -1)
}

// intakeSince reads up to limit (all when negative) accepted petitions
// with seq above after, in seq order, and the seq of the last.
func intakeSince(ctx context.Context, q querier, after int64, limit int) ([]petition.Stored, int64, error) {
	sql := `select seq, petition_id, time, category, intensity, hedonic, duration, channel, description, ST_X(geom), ST_Y(geom),
		contact_sealed, coalesce(case_number, ''), received, coalesce(contact_subjects, '{}'), erased_seq is not null
		from petitions where origin = 'intake' and seq > $1 order by seq`
	args := []any{after}
	if limit >= 0 {
		sql += ` limit $2`
		args = append(args, limit)
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, after, wrap("petitions", err)
	}
	defer rows.Close()
	var out []petition.Stored
	last := after
	for rows.Next() {
		var s petition.Stored
		var cat, dur string
		var intensity int16
		var hedonic *int16
		p := &s.Petition
		if err := rows.Scan(&last, &p.ID, &p.Time, &cat, &intensity, &hedonic, &dur, &p.Channel, &p.Description, &p.Lon, &p.Lat,
			&s.Sealed, &s.CaseNumber, &s.Received, &s.Subjects, &s.Erased); err != nil {
			return nil, after, err
		}
		if err := petitionFields(p, cat, intensity, hedonic, dur); err != nil {
			return nil, after, err
		}
		s.Received = s.Received.In(atmos.TaipeiTime)
		out = append(out, s)
	}
	return out, last, rows.Err()
}

// petitionFields fills the category, intensity, hedonic tone and duration
// read from a petitions row, and shows its time in Taiwan time.
func petitionFields(p *odour.Petition, cat string, intensity int16, hedonic *int16, dur string) error {
	c, err := odour.ParseCategory(cat)
	if err != nil {
		return fmt.Errorf("store: petition %s: %w", p.ID, err)
	}
	p.Time, p.Category, p.Intensity, p.Duration = p.Time.In(atmos.TaipeiTime), c, int(intensity), odour.Duration(dur)
	if hedonic != nil {
		h := int(*hedonic)
		p.Hedonic = &h
	}
	return nil
}

// NewPetitionFollower follows the petitions other replicas accept, from
// intake seq after (LoadIntake's), handing each batch to apply
// (petition.Desk.Restore, which skips those held), and the contacts
// erasures and purges drop, from erasure seq erasedAfter
// (ErasedHighWater's), handing their petition ids to drop
// (petition.Desk.DropContacts).
func NewPetitionFollower(pool *pgxpool.Pool, after, erasedAfter int64, apply func(ctx context.Context, ss []petition.Stored) error, drop func(ids []string)) *Follower {
	f := &Follower{Pool: pool}
	var erasedHigh atomic.Int64
	erasedHigh.Store(erasedAfter)
	f.feed = feed{channel: PetitionsChannel, next: func(ctx context.Context, q querier, after int64) (int, int64, error) {
		ids, elast, err := erasedSince(ctx, q, erasedHigh.Load())
		if err != nil {
			return 0, after, err
		}
		if len(ids) > 0 {
			drop(ids)
			erasedHigh.Store(elast)
		}
		ss, last, err := intakeSince(ctx, q, after, FollowBatch)
		if err != nil || len(ss) == 0 {
			return 0, after, err
		}
		if err := apply(ctx, ss); err != nil {
			return 0, after, &applyError{err: fmt.Errorf("apply petitions up to seq %d: %w", last, err)}
		}
		return len(ss), last, nil
	}}
	f.high.Store(after)
	return f
}
