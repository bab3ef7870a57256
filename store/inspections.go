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

// Both stores keep inspection records (migration 0011); the same tests run
// on each (TestInspectionRepositories).
var (
	_ inspection.Repository = (*PostGIS)(nil)
	_ inspection.Repository = (*Memory)(nil)
)

// PutInspection validates a record and upserts it.
func (s *PostGIS) PutInspection(ctx context.Context, r *inspection.Record) error {
	if err := r.Validate(); err != nil {
		return err
	}
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("store: inspection %s: %w", r.ID, err)
	}
	_, err = s.pool.Exec(ctx, `insert into inspections (id, ems_no, inspected_at, selection, propensity, violated, doc)
values ($1, $2, $3, $4, $5, $6, $7)
on conflict (id) do update set ems_no = excluded.ems_no, inspected_at = excluded.inspected_at, selection = excluded.selection,
    propensity = excluded.propensity, violated = excluded.violated, doc = excluded.doc`,
		r.ID, r.Facility, r.Date, r.Selection, r.Propensity, r.Violated(), doc)
	return wrap("put inspection "+r.ID, err)
}

// Inspection reads one record.
func (s *PostGIS) Inspection(ctx context.Context, id string) (*inspection.Record, error) {
	var doc []byte
	err := s.pool.QueryRow(ctx, "select doc from inspections where id = $1", id).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: inspection %s", inspection.ErrNotFound, id)
	}
	if err != nil {
		return nil, wrap("inspection "+id, err)
	}
	return decodeInspection(doc)
}

// Inspections lists a facility's records (all when facility is ""),
// oldest first.
func (s *PostGIS) Inspections(ctx context.Context, facility string) ([]*inspection.Record, error) {
	rows, err := s.pool.Query(ctx, `select doc from inspections where $1 = '' or ems_no = $1 order by inspected_at, id`, facility)
	if err != nil {
		return nil, wrap("inspections", err)
	}
	return collectDocs[*inspection.Record](rows, "inspections")
}

func decodeInspection(doc []byte) (*inspection.Record, error) {
	return decodeDoc[inspection.Record](doc, "inspection")
}

// decodeDoc reads one stored JSON document (what names it in an error).
func decodeDoc[T any](doc []byte, what string) (*T, error) {
	r := new(T)
	if err := json.Unmarshal(doc, r); err != nil {
		return nil, fmt.Errorf("store: stored %s: %w", what, err)
	}
	return r, nil
}

// memDoc reads the document stored under id in one of Memory's maps, or
// says which record was not found.
func memDoc(ctx context.Context, m *Memory, docs func() map[string][]byte, what, id string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	doc, ok := docs()[id]
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: %s %s", inspection.ErrNotFound, what, id)
	}
	return doc, nil
}

// memInspections is Memory's copy of the records, by id (JSON documents,
// so a caller's later change to a record cannot reach the store).
type memInspections map[string][]byte

// PutInspection validates a record and stores a copy.
func (m *Memory) PutInspection(ctx context.Context, r *inspection.Record) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("store: inspection %s: %w", r.ID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.inspections == nil {
		m.inspections = memInspections{}
	}
	m.inspections[r.ID] = doc
	return nil
}

// Inspection returns a copy of one record.
func (m *Memory) Inspection(ctx context.Context, id string) (*inspection.Record, error) {
	doc, err := memDoc(ctx, m, func() map[string][]byte { return m.inspections }, "inspection", id)
	if err != nil {
		return nil, err
	}
	return decodeInspection(doc)
}

// Inspections lists copies of a facility's records, oldest first.
func (m *Memory) Inspections(ctx context.Context, facility string) ([]*inspection.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	var out []*inspection.Record
	for _, doc := range m.inspections {
		r, err := decodeInspection(doc)
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
		if !out[a].Date.Equal(out[b].Date) {
			return out[a].Date.Before(out[b].Date)
		}
		return out[a].ID < out[b].ID
	})
	if out == nil {
		out = []*inspection.Record{}
	}
	return out, nil
}
