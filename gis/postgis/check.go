package postgis

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Requirements lists the database objects a program cannot run without.
// Names of tables and indexes may be schema-qualified; unqualified names
// are resolved through the connection's search_path, as the program's own
// queries resolve them.
type Requirements struct {
	Extensions []string // e.g. "postgis"
	Tables     []string // tables, views or materialized views
	Indexes    []string
	// Hint is appended to the error so that an operator learns the fix,
	// e.g. "run envtrace db migrate".
	Hint string
}

// MissingError names every required object the database lacks. A server
// that checks at startup can then refuse to start with one message that
// says exactly what to create, rather than fail later on the first query
// that happens to need it (a missing index fails no query at all: it just
// turns a millisecond lookup into a full scan).
type MissingError struct {
	Extensions []string
	Tables     []string
	Indexes    []string
	Hint       string
}

// Error lists the missing objects by kind and name.
func (e *MissingError) Error() string {
	var parts []string
	add := func(kind string, names []string) {
		for _, n := range names {
			parts = append(parts, fmt.Sprintf("%s %q", kind, n))
		}
	}
	add("extension", e.Extensions)
	add("table", e.Tables)
	add("index", e.Indexes)
	msg := "postgis: database is missing " + strings.Join(parts, ", ")
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

// Check verifies that every object in req exists, in one round trip. It
// returns a *MissingError naming what is missing, or the query's error. An
// invalid index (left by a CREATE INDEX CONCURRENTLY that failed or was
// interrupted) counts as missing: PostgreSQL maintains it but never uses it
// for a query.
func Check(ctx context.Context, pool *pgxpool.Pool, req Requirements) error {
	const q = `
select 'extension', n, o from unnest($1::text[]) with ordinality as x(n, o)
 where not exists (select 1 from pg_extension where extname = n)
union all
select 'table', n, o from unnest($2::text[]) with ordinality as x(n, o)
 where coalesce((select relkind in ('r', 'p', 'v', 'm', 'f') from pg_class where oid = to_regclass(n)), false) = false
union all
select 'index', n, o from unnest($3::text[]) with ordinality as x(n, o)
 where coalesce((select c.relkind in ('i', 'I') and i.indisvalid from pg_class c join pg_index i on i.indexrelid = c.oid
                  where c.oid = to_regclass(n)), false) = false
order by 1, 3`
	rows, err := pool.Query(ctx, q, nonNil(req.Extensions), nonNil(req.Tables), nonNil(req.Indexes))
	if err != nil {
		return fmt.Errorf("postgis: check database: %w", err)
	}
	defer rows.Close()
	miss := &MissingError{Hint: req.Hint}
	n := 0
	for rows.Next() {
		var kind, name string
		var ord int64
		if err := rows.Scan(&kind, &name, &ord); err != nil {
			return fmt.Errorf("postgis: check database: %w", err)
		}
		switch kind {
		case "extension":
			miss.Extensions = append(miss.Extensions, name)
		case "table":
			miss.Tables = append(miss.Tables, name)
		case "index":
			miss.Indexes = append(miss.Indexes, name)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgis: check database: %w", err)
	}
	if n > 0 {
		return miss
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
