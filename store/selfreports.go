package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/envtrace/envtrace/casework/inspection"
)

// Both stores keep the facilities' self-reports (migration 0013); the
// same tests run on each (TestSelfReportRepositories).
var (
	_ inspection.SelfReports = (*PostGIS)(nil)
	_ inspection.SelfReports = (*Memory)(nil)
)

// ErrDuplicate is returned (wrapped) when a new object's id is taken.
var ErrDuplicate = errors.New("store: id already taken")

// AddSelfReport stores a new self-report; a taken id is ErrDuplicate.
func (s *PostGIS) AddSelfReport(ctx context.Context, r *inspection.SelfReport) error {
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("store: self-report %s: %w", r.ID, err)
	}
	tag, err := s.pool.Exec(ctx, `insert into self_reports (id, ems_no, kind, status, submitted_at, doc)
values ($1, $2, $3, $4, $5, $6) on conflict (id) do nothing`, r.ID, r.Facility, r.Kind, r.Status, r.SubmittedAt, doc)
	if err != nil {
		return wrap("add self-report "+r.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: self-report %s", ErrDuplicate, r.ID)
	}
	return nil
}

// SelfReport reads one self-report.
func (s *PostGIS) SelfReport(ctx context.Context, id string) (*inspection.SelfReport, error) {
	return selfReportRow(s.pool.QueryRow(ctx, "select doc from self_reports where id = $1", id), id)
}

func selfReportRow(row pgx.Row, id string) (*inspection.SelfReport, error) {
	var doc []byte
	err := row.Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: self-report %s", inspection.ErrNotFound, id)
	}
	if err != nil {
		return nil, wrap("self-report "+id, err)
	}
	return decodeSelfReport(doc)
}

// SelfReportsOf lists a facility's self-reports (all when facility is
// ""), oldest first.
func (s *PostGIS) SelfReportsOf(ctx context.Context, facility string) ([]*inspection.SelfReport, error) {
	rows, err := s.pool.Query(ctx, `select doc from self_reports where $1 = '' or ems_no = $1 order by submitted_at, id`, facility)
	if err != nil {
		return nil, wrap("self-reports", err)
	}
	return collectDocs[*inspection.SelfReport](rows, "self-reports")
}

// DecideSelfReport locks the row, applies decide and writes the result
// in one transaction, so two bureaus deciding at once cannot both win.
func (s *PostGIS) DecideSelfReport(ctx context.Context, id string, decide func(*inspection.SelfReport) error) (*inspection.SelfReport, error) {
	var out *inspection.SelfReport
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		r, err := selfReportRow(tx.QueryRow(ctx, "select doc from self_reports where id = $1 for update", id), id)
		if err != nil {
			return err
		}
		if err := decide(r); err != nil {
			return err
		}
		doc, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("store: self-report %s: %w", id, err)
		}
		if _, err := tx.Exec(ctx, "update self_reports set status = $2, doc = $3 where id = $1", id, r.Status, doc); err != nil {
			return wrap("decide self-report "+id, err)
		}
		out = r
		return nil
	})
	return out, err
}

func decodeSelfReport(doc []byte) (*inspection.SelfReport, error) {
	return decodeDoc[inspection.SelfReport](doc, "self-report")
}

// memSelfReports is Memory's copy of the self-reports, by id (JSON
// documents, so a caller's later change cannot reach the store).
type memSelfReports map[string][]byte

// AddSelfReport stores a copy of a new self-report.
func (m *Memory) AddSelfReport(ctx context.Context, r *inspection.SelfReport) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("store: self-report %s: %w", r.ID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.selfReports == nil {
		m.selfReports = memSelfReports{}
	}
	if _, ok := m.selfReports[r.ID]; ok {
		return fmt.Errorf("%w: self-report %s", ErrDuplicate, r.ID)
	}
	m.selfReports[r.ID] = doc
	return nil
}

// SelfReport returns a copy of one self-report.
func (m *Memory) SelfReport(ctx context.Context, id string) (*inspection.SelfReport, error) {
	doc, err := memDoc(ctx, m, func() map[string][]byte { return m.selfReports }, "self-report", id)
	if err != nil {
		return nil, err
	}
	return decodeSelfReport(doc)
}

// SelfReportsOf lists copies of a facility's self-reports, oldest first.
func (m *Memory) SelfReportsOf(ctx context.Context, facility string) ([]*inspection.SelfReport, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	out := []*inspection.SelfReport{}
	for _, doc := range m.selfReports {
		r, err := decodeSelfReport(doc)
		if err != nil {
			m.mu.Unlock()
			return nil, err
		}
		if facility == "" || r.Facility == facility {
			out = append(out, r)
		}
	}
	m.mu.Unlock()
	sort.Slice(out, func(a, b int) bool {
		if !out[a].SubmittedAt.Equal(out[b].SubmittedAt) {
			return out[a].SubmittedAt.Before(out[b].SubmittedAt)
		}
		return out[a].ID < out[b].ID
	})
	return out, nil
}

// DecideSelfReport applies decide to a copy under the store's lock and
// keeps the result only when decide accepts it.
func (m *Memory) DecideSelfReport(ctx context.Context, id string, decide func(*inspection.SelfReport) error) (*inspection.SelfReport, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	doc, ok := m.selfReports[id]
	if !ok {
		return nil, fmt.Errorf("%w: self-report %s", inspection.ErrNotFound, id)
	}
	r, err := decodeSelfReport(doc)
	if err != nil {
		return nil, err
	}
	if err := decide(r); err != nil {
		return nil, err
	}
	if doc, err = json.Marshal(r); err != nil {
		return nil, fmt.Errorf("store: self-report %s: %w", id, err)
	}
	m.selfReports[id] = doc
	return r, nil
}
