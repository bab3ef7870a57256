package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/envtrace/envtrace/casework"
)

// The store keeps cases for package casework: both PostGIS and Memory
// implement casework.Repository, and casework/casetest runs the same tests
// on each.
var (
	_ casework.Repository = (*PostGIS)(nil)
	_ casework.Repository = (*Memory)(nil)
)

// CreateCase stores a validated case with its items and shares in one
// transaction.
func (s *PostGIS) CreateCase(ctx context.Context, c *casework.Case) error {
	if err := c.Validate(); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "insert into cases (id, title, created_by, created_at, county) values ($1, $2, $3, $4, $5)",
			c.ID, c.Title, c.CreatedBy, c.CreatedAt, c.County); err != nil {
			return err
		}
		for _, it := range c.Items {
			if _, err := tx.Exec(ctx, "insert into case_items (case_id, seq, kind, added_by, added_at, digest, body) values ($1, $2, $3, $4, $5, $6, $7::text::json)",
				c.ID, it.Seq, string(it.Kind), it.AddedBy, it.AddedAt, it.Digest, string(it.Raw())); err != nil {
				return err
			}
		}
		for _, sh := range c.SharedWith {
			if _, err := tx.Exec(ctx, "insert into case_shares (case_id, principal, access, since) values ($1, $2, $3, $4)",
				c.ID, sh.Principal, sh.Access, sh.Since); err != nil {
				return err
			}
		}
		return nil
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" && pe.TableName == "cases" {
		return fmt.Errorf("%w: %s", casework.ErrExists, c.ID)
	}
	return wrap("create case", err)
}

// Case reads one case back, checking every item against its digest.
func (s *PostGIS) Case(ctx context.Context, id string) (*casework.Case, error) {
	c := &casework.Case{SharedWith: []casework.Share{}, Exports: []casework.Export{}, Referrals: []casework.Referral{}}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, "select id, title, created_by, created_at, county from cases where id = $1", id).
			Scan(&c.ID, &c.Title, &c.CreatedBy, &c.CreatedAt, &c.County)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: %s", casework.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, "select seq, kind, added_by, added_at, digest, body::text from case_items where case_id = $1 order by seq", id)
		for rows.Next() {
			var (
				seq                 int
				kind, by, dig, body string
				it                  casework.Item
			)
			at := c.CreatedAt
			if err := rows.Scan(&seq, &kind, &by, &at, &dig, &body); err != nil {
				return err
			}
			if it, err = casework.DecodeItem(seq, casework.Kind(kind), by, at.UTC(), dig, []byte(body)); err != nil {
				return err
			}
			c.Items = append(c.Items, it)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, _ = tx.Query(ctx, "select principal, access, since from case_shares where case_id = $1 order by since, principal", id)
		shares, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (casework.Share, error) {
			var sh casework.Share
			err := r.Scan(&sh.Principal, &sh.Access, &sh.Since)
			sh.Since = sh.Since.UTC()
			return sh, err
		})
		if err != nil {
			return err
		}
		c.SharedWith = append(c.SharedWith, shares...)
		rows, _ = tx.Query(ctx, "select format, sha256, bytes, at, by from case_exports where case_id = $1 order by seq", id)
		exports, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (casework.Export, error) {
			var e casework.Export
			err := r.Scan(&e.Format, &e.SHA256, &e.Bytes, &e.At, &e.By)
			e.At = e.At.UTC()
			return e, err
		})
		if err != nil {
			return err
		}
		c.Exports = append(c.Exports, exports...)
		rows, _ = tx.Query(ctx, "select seq, from_county, to_county, reason, by, at from case_referrals where case_id = $1 order by seq", id)
		refs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (casework.Referral, error) {
			var f casework.Referral
			err := r.Scan(&f.Seq, &f.From, &f.To, &f.Reason, &f.By, &f.At)
			f.At = f.At.UTC()
			return f, err
		})
		c.Referrals = append(c.Referrals, refs...)
		return err
	})
	if err != nil {
		if errors.Is(err, casework.ErrNotFound) || errors.Is(err, casework.ErrInvalid) {
			return nil, err
		}
		return nil, wrap("case "+id, err)
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return c, nil
}

// casesSQL lists the cases a principal may see with their first trace's
// station, parameter and verdict, newest first.
const casesSQL = `select c.id, c.title, c.created_by, c.created_at,
	coalesce((select array_agg(kind order by seq) from case_items i where i.case_id = c.id), '{}'),
	coalesce((select i.body::text from case_items i where i.case_id = c.id and i.kind = 'trace' order by seq limit 1), '')
from cases c
where $1 = '' or c.created_by = $1 or exists (select 1 from case_shares s where s.case_id = c.id and s.principal = $1)
order by c.created_at desc, c.id desc
limit $2`

// Cases lists the cases visible to principal, newest first.
func (s *PostGIS) Cases(ctx context.Context, principal string, limit int) ([]casework.Summary, error) {
	rows, _ := s.pool.Query(ctx, casesSQL, principal, limit)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (casework.Summary, error) {
		var (
			sm    casework.Summary
			kinds []string
			trace string
		)
		if err := r.Scan(&sm.ID, &sm.Title, &sm.CreatedBy, &sm.CreatedAt, &kinds, &trace); err != nil {
			return sm, err
		}
		sm.CreatedAt = sm.CreatedAt.UTC()
		c := casework.Case{ID: sm.ID, Title: sm.Title, CreatedBy: sm.CreatedBy, CreatedAt: sm.CreatedAt}
		for i, k := range kinds {
			it := casework.Item{Seq: i + 1, Kind: casework.Kind(k)}
			if k == string(casework.KindTrace) && trace != "" {
				var t casework.TraceItem
				if err := t.UnmarshalSummary([]byte(trace)); err != nil {
					return sm, err
				}
				it.Body, trace = &t, ""
			}
			c.Items = append(c.Items, it)
		}
		return c.Summarize(), nil
	})
	if err != nil {
		return nil, wrap("list cases", err)
	}
	if out == nil {
		out = []casework.Summary{}
	}
	return out, nil
}

// RecordExport adds an export unless the same format and digest is there.
func (s *PostGIS) RecordExport(ctx context.Context, id string, e casework.Export) (bool, error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, "select exists (select 1 from cases where id = $1)", id).Scan(&exists); err != nil {
		return false, wrap("record export", err)
	}
	if !exists {
		return false, fmt.Errorf("%w: %s", casework.ErrNotFound, id)
	}
	tag, err := s.pool.Exec(ctx, `insert into case_exports (case_id, format, sha256, bytes, at, by) values ($1, $2, $3, $4, $5, $6)
		on conflict (case_id, format, sha256) do nothing`, id, e.Format, e.SHA256, e.Bytes, e.At, e.By)
	if err != nil {
		return false, wrap("record export", err)
	}
	return tag.RowsAffected() == 1, nil
}

// AddItem appends b to a case as its next item. The case row is locked
// for the transaction, so concurrent adds are numbered one after another.
func (s *PostGIS) AddItem(ctx context.Context, id string, b casework.Body, by string, at time.Time) (casework.Item, error) {
	var it casework.Item
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var n int
		err := tx.QueryRow(ctx, `select (select count(*) from case_items i where i.case_id = c.id)
			from cases c where c.id = $1 for update`, id).Scan(&n)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: %s", casework.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		c := casework.Case{Items: make([]casework.Item, n)}
		if it, err = c.Add(b, by, at); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "insert into case_items (case_id, seq, kind, added_by, added_at, digest, body) values ($1, $2, $3, $4, $5, $6, $7::text::json)",
			id, it.Seq, string(it.Kind), it.AddedBy, it.AddedAt, it.Digest, string(it.Raw()))
		return err
	})
	if err != nil {
		if errors.Is(err, casework.ErrNotFound) || errors.Is(err, casework.ErrInvalid) {
			return casework.Item{}, err
		}
		return casework.Item{}, wrap("add item to case "+id, err)
	}
	return it, nil
}

// Share grants sh on a case, replacing an earlier grant to its principal.
func (s *PostGIS) Share(ctx context.Context, id string, sh casework.Share) error {
	var c casework.Case
	if err := c.Grant(sh); err != nil {
		return err
	}
	sh = c.SharedWith[0]
	tag, err := s.pool.Exec(ctx, `insert into case_shares (case_id, principal, access, since)
		select id, $2, $3, $4 from cases where id = $1
		on conflict (case_id, principal) do update set access = excluded.access, since = excluded.since`,
		id, sh.Principal, sh.Access, sh.Since)
	if err != nil {
		return wrap("share case "+id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: %s", casework.ErrNotFound, id)
	}
	return nil
}

// Refer hands a case to another county's bureau in one transaction: the
// case row is locked, the referral appended, the county changed and the
// bureaus' shares written as casework.Case.Refer decides them.
func (s *PostGIS) Refer(ctx context.Context, id, to, reason, by string, at time.Time) (casework.Referral, error) {
	var ref casework.Referral
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		c := casework.Case{ID: id}
		var n int
		err := tx.QueryRow(ctx, `select county, (select count(*) from case_referrals r where r.case_id = c.id)
			from cases c where c.id = $1 for update`, id).Scan(&c.County, &n)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: %s", casework.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		c.Referrals = make([]casework.Referral, n)
		rows, _ := tx.Query(ctx, "select principal, access, since from case_shares where case_id = $1", id)
		c.SharedWith, err = pgx.CollectRows(rows, pgx.RowToStructByPos[casework.Share])
		if err != nil {
			return err
		}
		if ref, err = c.Refer(to, reason, by, at); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "update cases set county = $2 where id = $1", id, c.County); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "insert into case_referrals (case_id, seq, from_county, to_county, reason, by, at) values ($1, $2, $3, $4, $5, $6, $7)",
			id, ref.Seq, ref.From, ref.To, ref.Reason, ref.By, ref.At); err != nil {
			return err
		}
		for _, sh := range c.SharedWith {
			if !strings.HasPrefix(sh.Principal, casework.SharePrefixCounty) {
				continue
			}
			if _, err := tx.Exec(ctx, `insert into case_shares (case_id, principal, access, since) values ($1, $2, $3, $4)
				on conflict (case_id, principal) do update set access = excluded.access, since = excluded.since`,
				id, sh.Principal, sh.Access, sh.Since); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, casework.ErrNotFound) || errors.Is(err, casework.ErrInvalid) {
			return casework.Referral{}, err
		}
		return casework.Referral{}, wrap("refer case "+id, err)
	}
	return ref, nil
}

// memCases is Memory's case table: copies in, copies out.
type memCases struct {
	byID map[string]*casework.Case
}

// CreateCase stores a copy of a validated case.
func (m *Memory) CreateCase(ctx context.Context, c *casework.Case) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cases.byID == nil {
		m.cases.byID = map[string]*casework.Case{}
	}
	if _, ok := m.cases.byID[c.ID]; ok {
		return fmt.Errorf("%w: %s", casework.ErrExists, c.ID)
	}
	cp, err := copyCase(c)
	if err != nil {
		return err
	}
	m.cases.byID[c.ID] = cp
	return nil
}

// Case returns a copy of one case.
func (m *Memory) Case(ctx context.Context, id string) (*casework.Case, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.cases.byID[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", casework.ErrNotFound, id)
	}
	return copyCase(c)
}

// Cases lists the cases visible to principal, newest first.
func (m *Memory) Cases(ctx context.Context, principal string, limit int) ([]casework.Summary, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []casework.Summary{}
	for _, c := range m.cases.byID {
		visible := principal == "" || c.CreatedBy == principal ||
			slices.ContainsFunc(c.SharedWith, func(s casework.Share) bool { return s.Principal == principal })
		if visible {
			out = append(out, c.Summarize())
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID > out[j].ID
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// RecordExport adds an export unless the same format and digest is there.
func (m *Memory) RecordExport(ctx context.Context, id string, e casework.Export) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.cases.byID[id]
	if !ok {
		return false, fmt.Errorf("%w: %s", casework.ErrNotFound, id)
	}
	e.At = e.At.UTC().Truncate(1000)
	return c.RecordExport(e), nil
}

// AddItem appends b to a case as its next item.
func (m *Memory) AddItem(ctx context.Context, id string, b casework.Body, by string, at time.Time) (casework.Item, error) {
	if err := ctx.Err(); err != nil {
		return casework.Item{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.cases.byID[id]
	if !ok {
		return casework.Item{}, fmt.Errorf("%w: %s", casework.ErrNotFound, id)
	}
	it, err := c.Add(b, by, at)
	if err != nil {
		return casework.Item{}, err
	}
	// Hand back a copy decoded from the stored JSON, as the database does.
	return casework.DecodeItem(it.Seq, it.Kind, it.AddedBy, it.AddedAt, it.Digest, it.Raw())
}

// Share grants sh on a case, replacing an earlier grant to its principal.
func (m *Memory) Share(ctx context.Context, id string, sh casework.Share) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.cases.byID[id]
	if !ok {
		return fmt.Errorf("%w: %s", casework.ErrNotFound, id)
	}
	return c.Grant(sh)
}

// Refer hands a case to another county's bureau.
func (m *Memory) Refer(ctx context.Context, id, to, reason, by string, at time.Time) (casework.Referral, error) {
	if err := ctx.Err(); err != nil {
		return casework.Referral{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.cases.byID[id]
	if !ok {
		return casework.Referral{}, fmt.Errorf("%w: %s", casework.ErrNotFound, id)
	}
	return c.Refer(to, reason, by, at)
}

// copyCase copies a case as a database round trip would: item bodies are
// decoded afresh from their stored JSON, so no caller shares them.
func copyCase(c *casework.Case) (*casework.Case, error) {
	cp := *c
	cp.Items = make([]casework.Item, len(c.Items))
	for i, it := range c.Items {
		d, err := casework.DecodeItem(it.Seq, it.Kind, it.AddedBy, it.AddedAt, it.Digest, it.Raw())
		if err != nil {
			return nil, err
		}
		cp.Items[i] = d
	}
	cp.SharedWith = append([]casework.Share{}, c.SharedWith...)
	cp.Exports = append([]casework.Export{}, c.Exports...)
	cp.Referrals = append([]casework.Referral{}, c.Referrals...)
	return &cp, nil
}
