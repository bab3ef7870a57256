package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/hydro"
)

// reachCols are the source columns of reaches, in the order of the temp
// table, the COPY rows and the upsert.
var reachCols = []string{
	"id", "ord", "name", "geom", "toids", "fromnode", "tonode",
	"hydroseq", "dnhydroseq", "dnminorhyd", "uphydroseq", "levelpathid", "terminalpathid",
	"pathlength_km", "startflag", "terminalflag", "fcode",
	"length_km", "velocity_fps", "stream_order", "totdasqkm", "divergence",
}

const reachTempDDL = `create temp table tmp_reaches (
	id text not null, ord integer not null, name text not null, geom bytea, toids text[] not null,
	fromnode text, tonode text,
	hydroseq double precision, dnhydroseq double precision, dnminorhyd double precision, uphydroseq double precision,
	levelpathid double precision, terminalpathid double precision, pathlength_km double precision,
	startflag smallint, terminalflag smallint, fcode integer,
	length_km double precision, velocity_fps double precision, stream_order smallint, totdasqkm double precision,
	divergence smallint not null) on commit drop`

// nullable maps hydro's Missing (NaN) to SQL NULL.
func nullable(f float64) any {
	if math.IsNaN(f) {
		return nil
	}
	return f
}

func emptyNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// topologyOf names the richest topology source the reaches carry, as
// hydro.Build will detect it; it is informational (networks.topology).
func topologyOf(reaches []hydro.Reach) hydro.Topology {
	nhd, toid, nodes := true, false, false
	for i := range reaches {
		r := &reaches[i]
		nhd = nhd && r.NHD != nil
		toid = toid || len(r.ToIDs) > 0
		nodes = nodes || r.FromNode != "" || r.ToNode != ""
	}
	switch {
	case nhd:
		return hydro.TopologyNHDPlus
	case toid:
		return hydro.TopologyToID
	case nodes:
		return hydro.TopologyNodes
	}
	return hydro.TopologyGeometry
}

// ReachError names a reach that cannot be stored and why.
type ReachError struct {
	Network string
	Index   int // position in the []hydro.Reach
	ID      string
	Err     error
}

// Error says which reach of which network is wrong.
func (e *ReachError) Error() string {
	return fmt.Sprintf("store: network %s: reach %d (id %q): %v", e.Network, e.Index, e.ID, e.Err)
}

// Unwrap exposes the cause (postgis.ErrGeometry for bad geometry).
func (e *ReachError) Unwrap() error { return e.Err }

// reachRows validates reaches and renders them as COPY rows.
func reachRows(network string, reaches []hydro.Reach, srid int) ([][]any, error) {
	if network == "" {
		return nil, errors.New("store: a network needs a name")
	}
	if len(reaches) == 0 {
		return nil, fmt.Errorf("store: network %s: no reaches", network)
	}
	if len(reaches) >= math.MaxInt32 {
		return nil, fmt.Errorf("store: network %s: %d reaches exceed the supported %d", network, len(reaches), math.MaxInt32-1)
	}
	if srid < 0 {
		return nil, fmt.Errorf("store: network %s: SRID %d is negative", network, srid)
	}
	seen := make(map[string]int, len(reaches))
	var errs []error
	bad := func(i int, err error) {
		if len(errs) < 50 {
			errs = append(errs, &ReachError{Network: network, Index: i, ID: reaches[i].ID, Err: err})
		}
	}
	rows := make([][]any, len(reaches))
	for i := range reaches {
		r := &reaches[i]
		if r.ID == "" {
			bad(i, errors.New("empty id"))
			continue
		}
		if j, dup := seen[r.ID]; dup {
			bad(i, fmt.Errorf("duplicate id (also reach %d)", j))
			continue
		}
		seen[r.ID] = i
		var geom any
		if len(r.Geometry) > 0 {
			b, err := postgis.EWKB(r.Geometry, srid)
			if err != nil {
				bad(i, err)
				continue
			}
			geom = b
		}
		toids := r.ToIDs
		if toids == nil {
			toids = []string{}
		}
		row := []any{r.ID, int32(i), r.Name, geom, toids, emptyNull(r.FromNode), emptyNull(r.ToNode)}
		if a := r.NHD; a != nil {
			row = append(row, a.Hydroseq, a.DnHydroseq, a.DnMinorHyd, a.UpHydroseq, a.LevelPathID, a.TerminalPathID,
				a.PathLength, int16(a.StartFlag), int16(a.TerminalFlag), int32(a.FCode))
		} else {
			row = append(row, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil)
		}
		var order any
		if r.StreamOrder != 0 {
			if r.StreamOrder < math.MinInt16 || r.StreamOrder > math.MaxInt16 {
				bad(i, fmt.Errorf("stream order %d out of range", r.StreamOrder))
				continue
			}
			order = int16(r.StreamOrder)
		}
		if r.Divergence < math.MinInt16 || r.Divergence > math.MaxInt16 {
			bad(i, fmt.Errorf("divergence %d out of range", r.Divergence))
			continue
		}
		row = append(row, nullable(r.LengthKm), nullable(r.VelocityFps), order, nullable(r.TotDASqKm), int16(r.Divergence))
		rows[i] = row
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return rows, nil
}

// lockNetwork serialises writers of one network (two imports, or an import
// and a label write-back) for the rest of the transaction.
func lockNetwork(ctx context.Context, tx pgx.Tx, network string) error {
	_, err := tx.Exec(ctx, "select pg_advisory_xact_lock(hashtextextended('envtrace.network:' || $1, 0))", network)
	return err
}

// ImportNetwork stores reaches as the network named network, with geometry
// in the given SRID (the source file's CRS, 0 when unknown; geometry is not
// reprojected, see docs/postgis.md). The network's stored reaches become
// exactly these, in this order, in one transaction: new reaches are
// inserted, changed ones updated, vanished ones deleted, and unchanged ones
// left untouched, so re-importing the same data changes nothing. When
// anything changed, the network's computed labels are cleared, because
// the upstream numbering of every reach may have moved; run WriteLabels
// again. A change is announced on NetworkChannel at COMMIT, so that
// running `serve --db` replicas load the network again. Store the reaches
// hydro.FromLayer returns: for a geometry-only file they carry the
// fromnode/tonode it derived from line ends, which is what lets
// LoadReaches rebuild the same topology.
func ImportNetwork(ctx context.Context, pool *pgxpool.Pool, network string, reaches []hydro.Reach, srid int, progress Progress) error {
	rows, err := reachRows(network, reaches, srid)
	if err != nil {
		return err
	}
	total := len(rows)
	progress.report(0, total)
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := setBulkTimeout(ctx, tx); err != nil {
			return err
		}
		if err := lockNetwork(ctx, tx, network); err != nil {
			return err
		}
		var old *int32
		if err := tx.QueryRow(ctx, "select srid from networks where name = $1", network).Scan(&old); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		topo := string(topologyOf(reaches))
		changed := int64(0)
		switch {
		case old == nil:
			if _, err := tx.Exec(ctx, "insert into networks (name, srid, topology, reach_count) values ($1, $2, $3, $4)", network, srid, topo, total); err != nil {
				return err
			}
		case int(*old) != srid:
			// Every geometry changes CRS: start over.
			tag, err := tx.Exec(ctx, "delete from reaches where network = $1", network)
			if err != nil {
				return err
			}
			changed += tag.RowsAffected()
			if _, err := tx.Exec(ctx, "update networks set srid = $2 where name = $1", network, srid); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, reachTempDDL); err != nil {
			return err
		}
		src := &copyRows{n: total, row: func(i int) ([]any, error) { return rows[i], nil },
			progress: func(done int) { progress.report(done, total) }}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"tmp_reaches"}, reachCols, src); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, reachUpsertSQL, network)
		if err != nil {
			return err
		}
		changed += tag.RowsAffected()
		tag, err = tx.Exec(ctx, "delete from reaches r where r.network = $1 and not exists (select 1 from tmp_reaches t where t.id = r.id)", network)
		if err != nil {
			return err
		}
		changed += tag.RowsAffected()
		if changed == 0 {
			return nil
		}
		if err := clearLabels(ctx, tx, network); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "update networks set topology = $2, reach_count = $3, imported_at = now() where name = $1", network, topo, total); err != nil {
			return err
		}
		return notify(ctx, tx, NetworkChannel, network)
	})
	if err != nil {
		return wrap("import network "+network, err)
	}
	progress.report(total, total)
	return nil
}

// reachUpsertSQL inserts the staged reaches and updates those whose source
// attributes differ; unchanged rows are not rewritten (no new row version,
// no WAL), which is what makes a repeated import free.
var reachUpsertSQL = func() string {
	var ins, sel, set, old, nw []string
	for _, c := range reachCols {
		ins = append(ins, c)
		if c == "geom" {
			sel = append(sel, "st_geomfromewkb(t.geom)")
			old = append(old, "st_asewkb(reaches.geom)")
			nw = append(nw, "st_asewkb(excluded.geom)")
		} else {
			sel = append(sel, "t."+c)
			old = append(old, "reaches."+c)
			nw = append(nw, "excluded."+c)
		}
		if c != "id" {
			set = append(set, c+" = excluded."+c)
		}
	}
	return "insert into reaches (network, " + strings.Join(ins, ", ") + ")\n" +
		"select $1, " + strings.Join(sel, ", ") + " from tmp_reaches t order by t.ord\n" +
		"on conflict (network, id) do update set " + strings.Join(set, ", ") + "\n" +
		"where (" + strings.Join(old, ", ") + ") is distinct from (" + strings.Join(nw, ", ") + ")"
}()

var labelCols = []string{
	"idx_lo", "idx_hi", "calc_down", "calc_hydroseq", "calc_levelpath", "calc_terminalpath",
	"calc_pathlength_km", "calc_length_km", "calc_arbolate_km", "calc_strahler",
	"calc_startflag", "calc_terminalflag", "calc_velocity_ms", "calc_travel_hours",
}

func clearLabels(ctx context.Context, tx pgx.Tx, network string) error {
	set := make([]string, len(labelCols))
	for i, c := range labelCols {
		set[i] = c + " = null"
	}
	if _, err := tx.Exec(ctx, "update reaches set "+strings.Join(set, ", ")+" where network = $1 and idx_lo is not null", network); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "delete from reach_minor_edges where network = $1", network); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "update networks set labelled_at = null where name = $1", network)
	return err
}

// LoadReaches reads a stored network back as the []hydro.Reach it was
// imported from, in the same order (hydro.Build breaks main-path ties by
// input order), with the same attributes and bit-identical geometry, and
// returns its SRID. hydro.Build on the result builds the same network as
// building from the file did. Rows loaded into the table by other means
// that carry geometry only come back with only ID and Geometry; hydro.Build
// derives no topology from those (hydro.FromLayer nodes line ends before
// Build), so import such networks with ImportNetwork. It reads in one
// read-only snapshot under BulkStatementTimeout: a national network has
// millions of reaches.
func LoadReaches(ctx context.Context, pool *pgxpool.Pool, network string) ([]hydro.Reach, int, error) {
	var out []hydro.Reach
	var srid int32
	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		if err := setBulkTimeout(ctx, tx); err != nil {
			return err
		}
		var err error
		out, srid, err = loadReaches(ctx, tx, network)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrUnknownNetwork) {
			return nil, 0, err
		}
		return nil, 0, wrap("load network "+network, err)
	}
	return out, int(srid), nil
}

func loadReaches(ctx context.Context, tx pgx.Tx, network string) ([]hydro.Reach, int32, error) {
	var srid int32
	var count int32
	if err := tx.QueryRow(ctx, "select srid, reach_count from networks where name = $1", network).Scan(&srid, &count); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, 0, fmt.Errorf("%w %q", ErrUnknownNetwork, network)
		}
		return nil, 0, err
	}
	rows, err := tx.Query(ctx, `select id, name, st_asewkb(st_force2d(geom)), toids, fromnode, tonode,
		hydroseq, dnhydroseq, dnminorhyd, uphydroseq, levelpathid, terminalpathid, pathlength_km, startflag, terminalflag, fcode,
		length_km, velocity_fps, stream_order, totdasqkm, divergence
		from reaches where network = $1 order by ord, id`, network)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := make([]hydro.Reach, 0, count)
	for rows.Next() {
		var (
			r                           hydro.Reach
			geom                        []byte
			from, to                    *string
			hs, dn, dnm, up, lp, tp, pl *float64
			sf, tf                      *int16
			fcode                       *int32
			length, vel, da             *float64
			order                       *int16
			div                         int16
		)
		if err := rows.Scan(&r.ID, &r.Name, &geom, &r.ToIDs, &from, &to, &hs, &dn, &dnm, &up, &lp, &tp, &pl, &sf, &tf, &fcode,
			&length, &vel, &order, &da, &div); err != nil {
			return nil, 0, err
		}
		if len(r.ToIDs) == 0 {
			r.ToIDs = nil
		}
		if from != nil {
			r.FromNode = *from
		}
		if to != nil {
			r.ToNode = *to
		}
		if hs != nil {
			r.NHD = &hydro.NHDAttrs{Hydroseq: *hs, DnHydroseq: deref(dn), DnMinorHyd: deref(dnm), UpHydroseq: deref(up),
				LevelPathID: deref(lp), TerminalPathID: deref(tp), PathLength: deref(pl),
				StartFlag: int(derefInt(sf)), TerminalFlag: int(derefInt(tf)), FCode: int(derefInt32(fcode))}
		}
		r.LengthKm, r.VelocityFps, r.TotDASqKm = orMissing(length), orMissing(vel), orMissing(da)
		r.StreamOrder = int(derefInt(order))
		r.Divergence = int(div)
		if geom != nil {
			ls, _, err := postgis.LineStringEWKB(geom)
			if err != nil {
				return nil, 0, fmt.Errorf("store: network %s: reach %s: %w", network, r.ID, err)
			}
			r.Geometry = ls
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return out, srid, nil
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

func orMissing(p *float64) float64 {
	if p == nil {
		return hydro.Missing
	}
	return *p
}

func derefInt(p *int16) int16 {
	if p == nil {
		return 0
	}
	return *p
}

func derefInt32(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

// BuildNetwork loads a stored network and builds it with hydro.Build, the
// way hydro.Load builds one from a file: geometry kept, lengths geodesic
// when the SRID is geographic (as PostGIS's spatial_ref_sys defines it) and
// planar otherwise, and the network's SRID set. opt.Geographic and
// opt.KeepGeometry are overridden.
func BuildNetwork(ctx context.Context, pool *pgxpool.Pool, network string, opt hydro.Options) (*hydro.Network, error) {
	reaches, srid, err := LoadReaches(ctx, pool, network)
	if err != nil {
		return nil, err
	}
	geographic := false
	if srid != 0 {
		if err := pool.QueryRow(ctx, "select coalesce(bool_or(proj4text like '%+proj=longlat%'), false) from spatial_ref_sys where srid = $1", srid).Scan(&geographic); err != nil {
			return nil, wrap("build network "+network, err)
		}
	} else {
		geographic = looksGeographic(reaches)
	}
	opt.Geographic = geographic
	opt.KeepGeometry = true
	net, err := hydro.Build(ctx, reaches, opt)
	if err != nil {
		return nil, fmt.Errorf("store: build network %s: %w", network, err)
	}
	net.SRID = srid
	if srid == 0 && geographic {
		net.SRID = 4326
	}
	return net, nil
}

// looksGeographic guesses the CRS of data without an SRID the way hydro.Load
// does: coordinates that all fit lon/lat ranges are taken as degrees.
func looksGeographic(reaches []hydro.Reach) bool {
	for i := range reaches {
		for _, p := range reaches[i].Geometry {
			if math.Abs(p[0]) > 180 || math.Abs(p[1]) > 90 {
				return false
			}
		}
	}
	return true
}

// labelRows renders net's labels and minor-divergence edges as COPY rows.
func labelRows(net *hydro.Network) (labels, edges [][]any) {
	n := net.Len()
	labels = make([][]any, n)
	for i := 0; i < n; i++ {
		a := net.Attrs(int32(i))
		labels[i] = []any{a.ID, a.IntervalLo, a.IntervalHi, emptyNull(a.Down), a.Hydroseq, a.LevelPathID, a.TerminalPathID,
			a.PathLengthKm, a.LengthKm, a.ArbolateSumKm, int16(a.StreamOrder), a.StartFlag, a.TerminalFlag, a.VelocityMS, a.TravelHours}
		for _, to := range a.MinorDownstreamTo {
			j, _ := net.Index(to)
			edges = append(edges, []any{a.ID, to, a.IntervalLo, a.IntervalHi, j, !net.Attrs(j).StartFlag})
		}
	}
	return labels, edges
}

// WriteLabels stores what the engine computed for a network built from
// the stored reaches (BuildNetwork, or hydro.Build on LoadReaches): each
// reach's upstream interval [idx_lo, idx_hi), main downstream reach,
// hydroseq, level path, terminal path, path length, length, arbolate sum,
// Strahler order, start and terminal flags, velocity and travel time, and
// the minor-divergence edges; see docs/postgis.md for the SQL they enable.
// It runs in one transaction and fails with ErrMismatch, writing nothing,
// when net's reaches are not exactly the stored ones. Unchanged labels and
// edges are not rewritten, so writing the same labels again changes
// nothing.
func WriteLabels(ctx context.Context, pool *pgxpool.Pool, network string, net *hydro.Network) error {
	if net == nil {
		return errors.New("store: WriteLabels: nil network")
	}
	labels, edges := labelRows(net)
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := setBulkTimeout(ctx, tx); err != nil {
			return err
		}
		if err := lockNetwork(ctx, tx, network); err != nil {
			return err
		}
		var stored int64
		if err := tx.QueryRow(ctx, "select reach_count from networks where name = $1", network).Scan(&stored); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("%w %q", ErrUnknownNetwork, network)
			}
			return err
		}
		if _, err := tx.Exec(ctx, `create temp table tmp_labels (id text primary key, idx_lo integer, idx_hi integer, calc_down text,
			calc_hydroseq bigint, calc_levelpath bigint, calc_terminalpath bigint, calc_pathlength_km double precision,
			calc_length_km double precision, calc_arbolate_km double precision, calc_strahler smallint,
			calc_startflag boolean, calc_terminalflag boolean, calc_velocity_ms double precision, calc_travel_hours double precision) on commit drop`); err != nil {
			return err
		}
		cols := append([]string{"id"}, labelCols...)
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"tmp_labels"}, cols, pgx.CopyFromRows(labels)); err != nil {
			return err
		}
		var missing []string
		rows, err := tx.Query(ctx, `(select 'reach '||t.id||' of the built network is not stored' from tmp_labels t
				where not exists (select 1 from reaches r where r.network = $1 and r.id = t.id) limit 5)
			union all
			(select 'stored reach '||r.id||' is not in the built network' from reaches r
				where r.network = $1 and not exists (select 1 from tmp_labels t where t.id = r.id) limit 5)`, network)
		if err != nil {
			return err
		}
		missing, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			return fmt.Errorf("%w %s: %s", ErrMismatch, network, strings.Join(missing, "; "))
		}
		var set, old, nw []string
		for _, c := range labelCols {
			set = append(set, c+" = l."+c)
			old = append(old, "r."+c)
			nw = append(nw, "l."+c)
		}
		tag, err := tx.Exec(ctx, "update reaches r set "+strings.Join(set, ", ")+" from tmp_labels l where r.network = $1 and r.id = l.id and ("+
			strings.Join(old, ", ")+") is distinct from ("+strings.Join(nw, ", ")+")", network)
		if err != nil {
			return err
		}
		changed := tag.RowsAffected() > 0
		if _, err := tx.Exec(ctx, "create temp table tmp_edges (from_id text, to_id text, from_lo integer, from_hi integer, to_idx integer, upstream boolean) on commit drop"); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"tmp_edges"}, []string{"from_id", "to_id", "from_lo", "from_hi", "to_idx", "upstream"}, pgx.CopyFromRows(edges)); err != nil {
			return err
		}
		const edgeCols = "from_id, to_id, from_lo, from_hi, to_idx, upstream"
		var edgesDiffer bool
		if err := tx.QueryRow(ctx, `select exists (select `+edgeCols+` from tmp_edges except select `+edgeCols+` from reach_minor_edges where network = $1)
			or exists (select `+edgeCols+` from reach_minor_edges where network = $1 except select `+edgeCols+` from tmp_edges)`, network).Scan(&edgesDiffer); err != nil {
			return err
		}
		if edgesDiffer {
			changed = true
			if _, err := tx.Exec(ctx, "delete from reach_minor_edges where network = $1", network); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "insert into reach_minor_edges (network, "+edgeCols+") select $1, "+edgeCols+" from tmp_edges", network); err != nil {
				return err
			}
		}
		// labelled_at moves only when something did, so that writing the
		// same labels twice leaves the database untouched.
		_, err = tx.Exec(ctx, "update networks set labelled_at = now() where name = $1 and ($2 or labelled_at is null)", network, changed)
		return err
	})
	return wrap("write labels of network "+network, err)
}

// UpstreamRangeSQL is the plain upstream query of docs/postgis.md: the
// reaches in the start reach's main-path tree, one range scan on
// reaches_network_idx_lo. It equals upstream navigation (UT) exactly when
// no minor-divergence edge leads into that tree; UpstreamSQL is complete.
// Parameters: $1 network, $2 start reach id.
const UpstreamRangeSQL = `select r.id
from reaches s
join reaches r on r.network = s.network and r.idx_lo >= s.idx_lo and r.idx_lo < s.idx_hi
where s.network = $1 and s.id = $2`

// UpstreamSQL is the complete upstream-with-tributaries query of
// docs/postgis.md: the union of the start's interval and, recursively, the
// interval of every reach whose minor-divergence edge leads into an
// interval already collected. Parameters: $1 network, $2 start reach id.
const UpstreamSQL = `with recursive spans (lo, hi) as (
    select idx_lo, idx_hi from reaches where network = $1 and id = $2
  union
    select e.from_lo, e.from_hi
    from spans s
    join reach_minor_edges e
      on e.network = $1 and e.upstream and e.to_idx >= s.lo and e.to_idx < s.hi
    -- an edge from inside the span being searched leads to a nested span
    -- whose own edges are found there: skipping it changes no answer and
    -- keeps braids from multiplying the spans
    where not (e.from_lo >= s.lo and e.from_lo < s.hi)
)
select distinct r.id
from spans s
join reaches r on r.network = $1 and r.idx_lo >= s.lo and r.idx_lo < s.hi`

// Upstream runs UpstreamSQL (tributaries through minor divergences
// included) or, when mainTreeOnly, UpstreamRangeSQL, and returns the ids.
// The network must have labels (WriteLabels); an unknown start returns no
// ids.
func Upstream(ctx context.Context, pool *pgxpool.Pool, network, start string, mainTreeOnly bool) ([]string, error) {
	q := UpstreamSQL
	if mainTreeOnly {
		q = UpstreamRangeSQL
	}
	rows, err := pool.Query(ctx, q, network, start)
	if err != nil {
		return nil, wrap("upstream of "+start, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return ids, wrap("upstream of "+start, err)
}

// NetworkInfo describes one stored network.
type NetworkInfo struct {
	Name       string
	SRID       int
	Topology   hydro.Topology
	Reaches    int
	ImportedAt time.Time
	// LabelledAt is when WriteLabels last ran; nil when the labels are
	// absent or were cleared by a later import, so that a server knows to
	// rebuild them before answering SQL-side upstream queries.
	LabelledAt *time.Time
}

// Networks lists the stored networks by name, so that serve can pick or
// report what the database holds.
func Networks(ctx context.Context, pool *pgxpool.Pool) ([]NetworkInfo, error) {
	rows, err := pool.Query(ctx, "select name, srid, topology, reach_count, imported_at, labelled_at from networks order by name")
	if err != nil {
		return nil, wrap("list networks", err)
	}
	defer rows.Close()
	var out []NetworkInfo
	for rows.Next() {
		var n NetworkInfo
		var topo string
		var srid, count int32
		if err := rows.Scan(&n.Name, &srid, &topo, &count, &n.ImportedAt, &n.LabelledAt); err != nil {
			return nil, wrap("list networks", err)
		}
		n.SRID, n.Topology, n.Reaches = int(srid), hydro.Topology(topo), int(count)
		out = append(out, n)
	}
	return out, wrap("list networks", rows.Err())
}
