package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/casework/outbox"
	"github.com/envtrace/envtrace/gis/postgis"
)

// ImportParcels stores parcels (EPSG:3826) in one transaction, replacing
// parcels with the same id; source names the file they came from.
func ImportParcels(ctx context.Context, pool *pgxpool.Pool, parcels []dumping.Parcel, source string, progress Progress) error {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := setBulkTimeout(ctx, tx); err != nil {
			return err
		}
		return importParcels(ctx, tx, parcels, source, progress)
	})
	return wrap("import parcels", err)
}

func importParcels(ctx context.Context, tx pgx.Tx, parcels []dumping.Parcel, source string, progress Progress) error {
	const q = `insert into dumping_parcels (id, manager, owner, section, land_no, source, geom)
		values ($1, $2, $3, $4, $5, $6, st_multi(st_geomfromewkb($7)))
		on conflict (id) do update set manager = excluded.manager, owner = excluded.owner, section = excluded.section,
			land_no = excluded.land_no, source = excluded.source, geom = excluded.geom`
	b := &pgx.Batch{}
	flush := func() error {
		if b.Len() == 0 {
			return nil
		}
		err := tx.SendBatch(ctx, b).Close()
		b = &pgx.Batch{}
		return err
	}
	progress.report(0, len(parcels))
	for i, p := range parcels {
		g, err := postgis.EWKB(p.Geometry, 3826)
		if err != nil {
			return fmt.Errorf("parcel %s: %w", p.ID, err)
		}
		b.Queue(q, p.ID, p.Manager, p.Owner, p.Section, p.LandNo, source, g)
		if b.Len() == 1000 {
			if err := flush(); err != nil {
				return err
			}
			progress.report(i+1, len(parcels))
		}
	}
	if err := flush(); err != nil {
		return err
	}
	progress.report(len(parcels), len(parcels))
	return nil
}

// ImportLand stores a data directory's agencies, jurisdictions and
// parcels in one transaction, replacing rows with the same ids.
func ImportLand(ctx context.Context, pool *pgxpool.Pool, land *dumping.Land, source string, progress Progress) error {
	if err := land.Validate(); err != nil {
		return &InvalidError{Err: err}
	}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := setBulkTimeout(ctx, tx); err != nil {
			return err
		}
		for _, a := range land.Agencies {
			doc, err := json.Marshal(agencyDoc(a))
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `insert into dumping_agencies (id, doc) values ($1, $2)
				on conflict (id) do update set doc = excluded.doc`, a.ID, doc); err != nil {
				return err
			}
		}
		for _, j := range land.Jurisdictions {
			doc, err := json.Marshal(j)
			if err != nil {
				return err
			}
			g, err := postgis.EWKB(j.Geometry, 3826)
			if err != nil {
				return fmt.Errorf("jurisdiction %s: %w", j.ID, err)
			}
			if _, err := tx.Exec(ctx, `insert into dumping_jurisdictions (id, doc, geom) values ($1, $2, st_multi(st_geomfromewkb($3)))
				on conflict (id) do update set doc = excluded.doc, geom = excluded.geom`, j.ID, doc, g); err != nil {
				return err
			}
		}
		return importParcels(ctx, tx, land.Parcels, source, progress)
	})
	return wrap("import land", err)
}

// storedAgency is an agency as dumping_agencies.doc holds it: service
// levels in hours per state.
type storedAgency struct {
	dumping.Agency
	SLAHours map[dumping.State]float64 `json:"sla_hours"`
}

func agencyDoc(a dumping.Agency) storedAgency {
	s := storedAgency{Agency: a, SLAHours: map[dumping.State]float64{}}
	for st, d := range a.SLA {
		s.SLAHours[st] = d.Hours()
	}
	return s
}

// LoadLand reads the stored land; nil when no agency is stored.
func LoadLand(ctx context.Context, pool *pgxpool.Pool) (*dumping.Land, error) {
	land := &dumping.Land{}
	rows, err := pool.Query(ctx, `select doc from dumping_agencies order by id`)
	if err != nil {
		return nil, wrap("load land", err)
	}
	docs, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, wrap("load land", err)
	}
	if len(docs) == 0 {
		return nil, nil
	}
	for _, d := range docs {
		var s storedAgency
		if err := json.Unmarshal(d, &s); err != nil {
			return nil, fmt.Errorf("store: load land: agency: %w", err)
		}
		s.SLA = dumping.ServiceLevels{}
		for st, h := range s.SLAHours {
			s.SLA[st] = time.Duration(h * float64(time.Hour))
		}
		land.Agencies = append(land.Agencies, s.Agency)
	}
	rows, err = pool.Query(ctx, `select doc, st_asewkb(geom) from dumping_jurisdictions order by id`)
	if err != nil {
		return nil, wrap("load land", err)
	}
	for rows.Next() {
		var doc, g []byte
		var j dumping.Jurisdiction
		if err := rows.Scan(&doc, &g); err != nil {
			rows.Close()
			return nil, wrap("load land", err)
		}
		if err := json.Unmarshal(doc, &j); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: load land: jurisdiction: %w", err)
		}
		if j.Geometry, _, err = postgis.ParseEWKB(g); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: load land: jurisdiction %s: %w", j.ID, err)
		}
		land.Jurisdictions = append(land.Jurisdictions, j)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap("load land", err)
	}
	rows, err = pool.Query(ctx, `select id, manager, owner, section, land_no, st_asewkb(geom) from dumping_parcels order by id`)
	if err != nil {
		return nil, wrap("load land", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p dumping.Parcel
		var g []byte
		if err := rows.Scan(&p.ID, &p.Manager, &p.Owner, &p.Section, &p.LandNo, &g); err != nil {
			return nil, wrap("load land", err)
		}
		if p.Geometry, _, err = postgis.ParseEWKB(g); err != nil {
			return nil, fmt.Errorf("store: load land: parcel %s: %w", p.ID, err)
		}
		land.Parcels = append(land.Parcels, p)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("load land", err)
	}
	return land, nil
}

// DumpingRepo is dumping.Repository over PostGIS.
type DumpingRepo struct{ pool *pgxpool.Pool }

// NewDumpingRepo wraps a pool on a migrated database.
func NewDumpingRepo(pool *pgxpool.Pool) *DumpingRepo { return &DumpingRepo{pool: pool} }

var _ dumping.Repository = (*DumpingRepo)(nil)

// Update implements dumping.Repository: one transaction.
func (r *DumpingRepo) Update(ctx context.Context, fn func(ctx context.Context, tx dumping.Tx) error) error {
	return pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error { return fn(ctx, &pgDumpingTx{tx: tx}) })
}

type pgDumpingTx struct{ tx pgx.Tx }

const reportCols = `doc, contact, coalesce(contact_subject, '')`

func scanReport(row pgx.Row) (*dumping.Report, error) {
	var doc, contact []byte
	var subject string
	if err := row.Scan(&doc, &contact, &subject); err != nil {
		return nil, err
	}
	var rep dumping.Report
	if err := json.Unmarshal(doc, &rep); err != nil {
		return nil, fmt.Errorf("store: report document: %w", err)
	}
	rep.Contact, rep.ContactSubject = contact, subject
	return &rep, nil
}

func collectReports(rows pgx.Rows) ([]*dumping.Report, error) {
	defer rows.Close()
	var out []*dumping.Report
	for rows.Next() {
		rep, err := scanReport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, rep)
	}
	return out, rows.Err()
}

// NextID implements dumping.Tx.
func (t *pgDumpingTx) NextID(ctx context.Context, at time.Time) (string, error) {
	y := at.In(dumping.Taipei).Year()
	var n int
	err := t.tx.QueryRow(ctx, `insert into dumping_report_seq (year, last) values ($1, 1)
		on conflict (year) do update set last = dumping_report_seq.last + 1 returning last`, y).Scan(&n)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("DR%d-%06d", y, n), nil
}

// Report implements dumping.Tx.
func (t *pgDumpingTx) Report(ctx context.Context, id string) (*dumping.Report, error) {
	rep, err := scanReport(t.tx.QueryRow(ctx, `select `+reportCols+` from dumping_reports where id = $1 for update`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, &dumping.NotFoundError{Kind: "report", ID: id}
	}
	return rep, err
}

// Near implements dumping.Tx.
func (t *pgDumpingTx) Near(ctx context.Context, x, y, radius float64, since time.Time) ([]*dumping.Report, error) {
	rows, err := t.tx.Query(ctx, `select `+reportCols+` from dumping_reports
		where st_dwithin(geom, st_setsrid(st_makepoint($1, $2), 3826), $3) and requested_at >= $4
		order by requested_at, id`, x, y, radius, since)
	if err != nil {
		return nil, err
	}
	return collectReports(rows)
}

// Put implements dumping.Tx.
func (t *pgDumpingTx) Put(ctx context.Context, rep *dumping.Report) error {
	doc, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	var subject *string
	if rep.ContactSubject != "" {
		subject = &rep.ContactSubject
	}
	_, err = t.tx.Exec(ctx, `insert into dumping_reports (id, state, agency_id, requested_at, due_at, contact, contact_subject, geom, doc)
		values ($1, $2, $3, $4, $5, $6, $7, st_setsrid(st_makepoint($8, $9), 3826), $10)
		on conflict (id) do update set state = excluded.state, agency_id = excluded.agency_id, due_at = excluded.due_at,
			contact = excluded.contact, contact_subject = excluded.contact_subject, geom = excluded.geom, doc = excluded.doc`,
		rep.ID, string(rep.State), rep.AgencyID, rep.RequestedAt, rep.DueAt, rep.Contact, subject, rep.X, rep.Y, doc)
	return err
}

// Audit implements dumping.Tx.
func (t *pgDumpingTx) Audit(ctx context.Context, a dumping.AuditRecord) error {
	_, err := t.tx.Exec(ctx, `insert into dumping_audit (at, actor, action, report_id, detail) values ($1, $2, $3, $4, $5)`,
		a.At, a.Actor, a.Action, a.ReportID, a.Detail)
	return err
}

// AddPhoto implements dumping.Tx.
func (t *pgDumpingTx) AddPhoto(ctx context.Context, p *dumping.Photo) error {
	_, err := t.tx.Exec(ctx, `insert into dumping_photos (id, report_id, content_type, width, height, uploaded_at, data)
		values ($1, $2, $3, $4, $5, $6, $7)`, p.ID, p.ReportID, p.Type, p.Width, p.Height, p.TakenAt, p.Data)
	return err
}

// AddPatrol implements dumping.Tx.
func (t *pgDumpingTx) AddPatrol(ctx context.Context, p dumping.Patrol) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `insert into dumping_patrols (id, agency_id, at, doc) values ($1, $2, $3, $4)`, p.ID, p.AgencyID, p.At, doc)
	return err
}

// AddMeasure implements dumping.Tx.
func (t *pgDumpingTx) AddMeasure(ctx context.Context, m dumping.Measure) error {
	doc, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `insert into dumping_measures (id, site_id, doc) values ($1, $2, $3)`, m.ID, m.SiteID, doc)
	return err
}

// Enqueue implements dumping.Tx.
func (t *pgDumpingTx) Enqueue(ctx context.Context, ms ...outbox.Message) error {
	return enqueue(ctx, t.tx, ms...)
}

// enqueue inserts messages; an id already queued is left alone, so
// producing the same notification twice sends it once.
func enqueue(ctx context.Context, tx pgx.Tx, ms ...outbox.Message) error {
	for _, m := range ms {
		if err := m.Validate(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `insert into outbox (id, channel, recipient, subject, body, topic, ref, created_at, due_at)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $8) on conflict (id) do nothing`,
			m.ID, string(m.Channel), m.To, m.Subject, m.Body, m.Topic, m.Ref, m.CreatedAt); err != nil {
			return err
		}
	}
	return nil
}

// Report implements dumping.Repository.
func (r *DumpingRepo) Report(ctx context.Context, id string) (*dumping.Report, error) {
	rep, err := scanReport(r.pool.QueryRow(ctx, `select `+reportCols+` from dumping_reports where id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, &dumping.NotFoundError{Kind: "report", ID: id}
	}
	return rep, wrap("report", err)
}

// Reports implements dumping.Repository; the filter is the SQL twin of
// dumping.Filter's rules.
func (r *DumpingRepo) Reports(ctx context.Context, f dumping.Filter) ([]*dumping.Report, error) {
	q := `select ` + reportCols + ` from dumping_reports where ($1 = '' or agency_id = $1)
		and ($2::boolean is null or (state not in ('closed', 'duplicate')) = $2)
		and ($3::timestamptz is null or requested_at >= $3) and ($4::timestamptz is null or requested_at < $4)
		and (cardinality($5::text[]) = 0 or id = any($5))
		order by requested_at desc, id desc`
	var from, to *time.Time
	if !f.From.IsZero() {
		from = &f.From
	}
	if !f.To.IsZero() {
		to = &f.To
	}
	ids := f.IDs
	if ids == nil {
		ids = []string{}
	}
	args := []any{f.Agency, f.Open, from, to, ids}
	if f.Limit > 0 {
		q += ` limit $6`
		args = append(args, f.Limit)
	}
	rows, err := r.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap("reports", err)
	}
	out, err := collectReports(rows)
	return out, wrap("reports", err)
}

// Photo implements dumping.Repository.
func (r *DumpingRepo) Photo(ctx context.Context, id string) (*dumping.Photo, error) {
	p := &dumping.Photo{ID: id}
	err := r.pool.QueryRow(ctx, `select report_id, content_type, width, height, uploaded_at, data from dumping_photos where id = $1`, id).
		Scan(&p.ReportID, &p.Type, &p.Width, &p.Height, &p.TakenAt, &p.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, &dumping.NotFoundError{Kind: "photo", ID: id}
	}
	return p, wrap("photo", err)
}

// Patrols implements dumping.Repository.
func (r *DumpingRepo) Patrols(ctx context.Context, agency string) ([]dumping.Patrol, error) {
	rows, err := r.pool.Query(ctx, `select doc from dumping_patrols where $1 = '' or agency_id = $1 order by at desc, id desc`, agency)
	if err != nil {
		return nil, wrap("patrols", err)
	}
	return collectDocs[dumping.Patrol](rows, "patrols")
}

// Measures implements dumping.Repository.
func (r *DumpingRepo) Measures(ctx context.Context) ([]dumping.Measure, error) {
	rows, err := r.pool.Query(ctx, `select doc from dumping_measures order by id`)
	if err != nil {
		return nil, wrap("measures", err)
	}
	return collectDocs[dumping.Measure](rows, "measures")
}

// Audit implements dumping.Repository.
func (r *DumpingRepo) Audit(ctx context.Context, id string) ([]dumping.AuditRecord, error) {
	rows, err := r.pool.Query(ctx, `select at, actor, action, report_id, detail from dumping_audit where report_id = $1 order by id`, id)
	if err != nil {
		return nil, wrap("audit", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (dumping.AuditRecord, error) {
		var a dumping.AuditRecord
		err := row.Scan(&a.At, &a.Actor, &a.Action, &a.ReportID, &a.Detail)
		return a, err
	})
	return out, wrap("audit", err)
}

func collectDocs[T any](rows pgx.Rows, op string) ([]T, error) {
	docs, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, wrap(op, err)
	}
	out := make([]T, len(docs))
	for i, d := range docs {
		if err := json.Unmarshal(d, &out[i]); err != nil {
			return nil, fmt.Errorf("store: %s: %w", op, err)
		}
	}
	return out, nil
}

// Outbox is outbox.Store over PostgreSQL.
type Outbox struct{ pool *pgxpool.Pool }

// NewOutbox wraps a pool on a migrated database.
func NewOutbox(pool *pgxpool.Pool) *Outbox { return &Outbox{pool: pool} }

var _ outbox.Store = (*Outbox)(nil)

// Enqueue commits messages in a transaction of their own, for producers
// without one (tests, tools); casework enqueues inside its own.
func (o *Outbox) Enqueue(ctx context.Context, ms ...outbox.Message) error {
	return wrap("outbox enqueue", pgx.BeginFunc(ctx, o.pool, func(tx pgx.Tx) error { return enqueue(ctx, tx, ms...) }))
}

// Claim implements outbox.Store: rows are leased with SKIP LOCKED, so
// concurrent workers never claim the same message.
func (o *Outbox) Claim(ctx context.Context, now time.Time, lease time.Duration, n int) ([]outbox.Message, error) {
	rows, err := o.pool.Query(ctx, `update outbox set lease_until = $2, attempts = attempts + 1
		where id in (select id from outbox where sent_at is null and due_at <= $1 and (lease_until is null or lease_until <= $1)
			order by created_at, id limit $3 for update skip locked)
		returning id, channel, recipient, subject, body, topic, ref, created_at, attempts, coalesce(last_error, '')`,
		now, now.Add(lease), n)
	if err != nil {
		return nil, wrap("outbox claim", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (outbox.Message, error) {
		var m outbox.Message
		var ch string
		err := row.Scan(&m.ID, &ch, &m.To, &m.Subject, &m.Body, &m.Topic, &m.Ref, &m.CreatedAt, &m.Attempts, &m.LastError)
		m.Channel = outbox.Channel(ch)
		return m, err
	})
	if err != nil {
		return nil, wrap("outbox claim", err)
	}
	slices.SortFunc(out, func(a, b outbox.Message) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// MarkSent implements outbox.Store.
func (o *Outbox) MarkSent(ctx context.Context, id string, at time.Time) error {
	_, err := o.pool.Exec(ctx, `update outbox set sent_at = $2, lease_until = null where id = $1`, id, at)
	return wrap("outbox mark sent", err)
}

// MarkFailed implements outbox.Store.
func (o *Outbox) MarkFailed(ctx context.Context, id, reason string, retryAt time.Time) error {
	_, err := o.pool.Exec(ctx, `update outbox set last_error = $2, due_at = $3, lease_until = null where id = $1`, id, reason, retryAt)
	return wrap("outbox mark failed", err)
}

// Pending implements outbox.Store.
func (o *Outbox) Pending(ctx context.Context) (int, error) {
	var n int
	err := o.pool.QueryRow(ctx, `select count(*) from outbox where sent_at is null`).Scan(&n)
	return n, wrap("outbox pending", err)
}
