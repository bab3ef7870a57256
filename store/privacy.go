package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/casework/petition"
)

// PersonalData keeps the personal data of migration 0008: sealed contacts,
// exact locations behind row-level security, and their fuzzed public
// copies; it purges what is past retention and erases a person on
// request. Note that PostgreSQL superusers bypass row-level security: the
// serving process must connect as an ordinary role.
type PersonalData struct{ pool *pgxpool.Pool }

// NewPersonalData wraps pool.
func NewPersonalData(pool *pgxpool.Pool) *PersonalData { return &PersonalData{pool: pool} }

// ContactAAD binds a sealed personal_contacts value to its column.
const ContactAAD = "personal_contacts.sealed"

// PutContact stores the sealed contact of a record (kind is the retention
// kind, e.g. privacy.KindPetitionContact), replacing an earlier one.
func (p *PersonalData) PutContact(ctx context.Context, kind privacy.Kind, recordID, subject string, sealed []byte, at time.Time) error {
	_, err := p.pool.Exec(ctx, `insert into personal_contacts (kind, record_id, subject, sealed, collected_at) values ($1, $2, $3, $4, $5)
		on conflict (kind, record_id) do update set subject = excluded.subject, sealed = excluded.sealed, collected_at = excluded.collected_at`,
		string(kind), recordID, subject, sealed, at)
	if err != nil {
		return fmt.Errorf("store: personal contact %s/%s: %w", kind, recordID, err)
	}
	return nil
}

// Contact returns the sealed contact of a record (nil when there is none,
// or it was purged or erased).
func (p *PersonalData) Contact(ctx context.Context, kind privacy.Kind, recordID string) ([]byte, error) {
	var sealed []byte
	err := p.pool.QueryRow(ctx, "select sealed from personal_contacts where kind = $1 and record_id = $2", string(kind), recordID).Scan(&sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: personal contact %s/%s: %w", kind, recordID, err)
	}
	return sealed, nil
}

// Location is a stored point of a record.
type Location struct {
	Kind, RecordID string
	Lon, Lat       float64
}

// PutLocation stores the exact location of a record (kind names the
// record kind, e.g. "petition") in the restricted table and its fuzzed
// copy in public_locations, in one transaction.
func (p *PersonalData) PutLocation(ctx context.Context, fz *privacy.Fuzzer, loc Location, subject string, at time.Time) error {
	flon, flat, err := fz.Fuzz(loc.Lon, loc.Lat)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `insert into personal_locations (kind, record_id, subject, geom, collected_at)
			values ($1, $2, $3, st_setsrid(st_makepoint($4, $5), 4326), $6)`, loc.Kind, loc.RecordID, subject, loc.Lon, loc.Lat, at); err != nil {
			return fmt.Errorf("store: location %s/%s: %w", loc.Kind, loc.RecordID, err)
		}
		if _, err := tx.Exec(ctx, `insert into public_locations (kind, record_id, geom) values ($1, $2, st_setsrid(st_makepoint($3, $4), 4326))
			on conflict (kind, record_id) do update set geom = excluded.geom`, loc.Kind, loc.RecordID, flon, flat); err != nil {
			return fmt.Errorf("store: public location %s/%s: %w", loc.Kind, loc.RecordID, err)
		}
		return nil
	})
}

// asRole runs fn in a transaction that names role to the row-level
// security policies (personal_location_roles lists who may read exact
// locations).
func (p *PersonalData) asRole(ctx context.Context, role string, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "select set_config('envtrace.role', $1, true)", role); err != nil {
			return fmt.Errorf("store: set role: %w", err)
		}
		return fn(tx)
	})
}

// ExactLocations returns the exact locations of kind within radiusM metres
// of (lon, lat) that role may read: none for a role the policy does not
// list, whatever the query asks.
func (p *PersonalData) ExactLocations(ctx context.Context, role, kind string, lon, lat, radiusM float64) ([]Location, error) {
	var out []Location
	err := p.asRole(ctx, role, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select kind, record_id, st_x(geom), st_y(geom) from personal_locations
			where kind = $1 and st_dwithin(geom::geography, st_setsrid(st_makepoint($2, $3), 4326)::geography, $4)
			order by record_id`, kind, lon, lat, radiusM)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Location])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: exact locations: %w", err)
	}
	return out, nil
}

// PublicLocation returns the fuzzed location of a record.
func (p *PersonalData) PublicLocation(ctx context.Context, kind, recordID string) (Location, error) {
	l := Location{Kind: kind, RecordID: recordID}
	err := p.pool.QueryRow(ctx, "select st_x(geom), st_y(geom) from public_locations where kind = $1 and record_id = $2", kind, recordID).Scan(&l.Lon, &l.Lat)
	if err != nil {
		return l, fmt.Errorf("store: public location %s/%s: %w", kind, recordID, err)
	}
	return l, nil
}

// Erased counts what a purge or an erasure removed.
type Erased struct {
	Contacts        int64 `json:"contacts"`
	Locations       int64 `json:"exact_locations"`
	DumpingContacts int64 `json:"dumping_contacts"`
	// PetitionContacts counts the sealed contacts of odour petitions
	// taken in over REST (petitions.contact_sealed) that were dropped.
	PetitionContacts int64 `json:"petition_contacts"`
}

// systemRole is the role purge and erasure act as on the restricted table.
const systemRole = "admin"

// Purge erases the personal data past its retention period at now
// (privacy.Period): contacts, exact locations (their fuzzed copies stay),
// dumping reporters' contacts and odour petitioners' sealed contacts
// (petitions.contact_sealed, by the time the petition was received). The
// records themselves stay.
func (p *PersonalData) Purge(ctx context.Context, now time.Time) (Erased, error) {
	var e Erased
	err := p.asRole(ctx, systemRole, func(tx pgx.Tx) error {
		for _, k := range []privacy.Kind{privacy.KindPetitionContact, privacy.KindDumpingContact} {
			cut, err := privacy.Cutoff(k, now)
			if err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, "delete from personal_contacts where kind = $1 and collected_at < $2", string(k), cut)
			if err != nil {
				return err
			}
			e.Contacts += tag.RowsAffected()
		}
		cut, err := privacy.Cutoff(privacy.KindExactLocation, now)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "delete from personal_locations where collected_at < $1", cut)
		if err != nil {
			return err
		}
		e.Locations = tag.RowsAffected()
		if cut, err = privacy.Cutoff(privacy.KindDumpingContact, now); err != nil {
			return err
		}
		if e.DumpingContacts, err = dropDumpingContacts(ctx, tx, "requested_at < $1", cut); err != nil {
			return err
		}
		if cut, err = privacy.Cutoff(privacy.KindPetitionContact, now); err != nil {
			return err
		}
		e.PetitionContacts, err = dropPetitionContacts(ctx, tx, "coalesce(received, time) < $1", cut)
		return err
	})
	if err != nil {
		return Erased{}, fmt.Errorf("store: purge personal data: %w", err)
	}
	return e, nil
}

// dropDumpingContacts removes the sealed contacts of the dumping reports
// matching where, and says so in each report's document.
func dropDumpingContacts(ctx context.Context, tx pgx.Tx, where string, arg any) (int64, error) {
	tag, err := tx.Exec(ctx, `update dumping_reports set contact = null, contact_subject = null,
		doc = jsonb_set(doc, '{has_contact}', 'false') where contact is not null and `+where, arg)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// dropPetitionContacts removes the sealed contacts (and their blind
// indexes) of the odour petitions matching where, numbers each drop
// (erased_seq) and notifies the replicas at COMMIT, so that their desks
// forget it (NewPetitionFollower). The petition and its exact location stay.
func dropPetitionContacts(ctx context.Context, tx pgx.Tx, where string, arg any) (int64, error) {
	tag, err := tx.Exec(ctx, `update petitions set contact_sealed = null, contact_subjects = null,
		erased_seq = nextval('petition_erasures_seq') where contact_sealed is not null and `+where, arg)
	if err != nil {
		return 0, err
	}
	if tag.RowsAffected() > 0 {
		if err := notify(ctx, tx, PetitionsChannel, erasedNotice); err != nil {
			return 0, err
		}
	}
	return tag.RowsAffected(), nil
}

// unindexedPetitionContacts opens, with keys, the sealed contacts of the
// petitions stored without a blind index (before migration 0016, or by a
// server without the privacy secret) and returns the ids of those whose
// phone or e-mail has subject (by subjectOf, privacy.Secret.Subject).
func unindexedPetitionContacts(ctx context.Context, tx pgx.Tx, keys *privacy.Keyring, subjectOf func(string) string, subject string) ([]string, error) {
	rows, err := tx.Query(ctx, `select petition_id, contact_sealed from petitions
		where contact_sealed is not null and contact_subjects is null for update`)
	if err != nil {
		return nil, err
	}
	type row struct {
		ID     string
		Sealed []byte
	}
	all, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		return nil, err
	}
	sealer := petition.KeyringSealer{Keys: keys}
	var ids []string
	for _, r := range all {
		plain, err := sealer.Open(r.Sealed)
		if err != nil {
			return nil, fmt.Errorf("petition %s: %w", r.ID, err)
		}
		var c petition.Contact
		if err := json.Unmarshal([]byte(plain), &c); err != nil {
			return nil, fmt.Errorf("petition %s: sealed contact: %w", r.ID, err)
		}
		if slices.Contains(c.Subjects(subjectOf), subject) {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

// Erase answers an erasure request: it removes every contact and exact
// location of subject (privacy.Secret.Subject of the person's phone or
// e-mail), the contacts of the dumping reports and odour petitions with
// that blind index, and keeps the anonymised records and their fuzzed
// locations. It is EraseWith without a keyring: petitions stored without
// a blind index are not reached.
func (p *PersonalData) Erase(ctx context.Context, subject string) (Erased, error) {
	return p.EraseWith(ctx, subject, nil, nil)
}

// EraseWith is Erase that, given the contact keyring and the blind index
// function (privacy.Secret.Subject), also opens the sealed contacts of
// the petitions stored without a blind index to find the person's, all
// in one transaction.
func (p *PersonalData) EraseWith(ctx context.Context, subject string, keys *privacy.Keyring, subjectOf func(string) string) (Erased, error) {
	var e Erased
	err := p.asRole(ctx, systemRole, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "delete from personal_contacts where subject = $1", subject)
		if err != nil {
			return err
		}
		e.Contacts = tag.RowsAffected()
		if tag, err = tx.Exec(ctx, "delete from personal_locations where subject = $1", subject); err != nil {
			return err
		}
		e.Locations = tag.RowsAffected()
		if e.DumpingContacts, err = dropDumpingContacts(ctx, tx, "contact_subject = $1", subject); err != nil {
			return err
		}
		if e.PetitionContacts, err = dropPetitionContacts(ctx, tx, "$1 = any(contact_subjects)", subject); err != nil {
			return err
		}
		if keys == nil || subjectOf == nil {
			return nil
		}
		ids, err := unindexedPetitionContacts(ctx, tx, keys, subjectOf, subject)
		if err != nil || len(ids) == 0 {
			return err
		}
		n, err := dropPetitionContacts(ctx, tx, "petition_id = any($1)", ids)
		e.PetitionContacts += n
		return err
	})
	if err != nil {
		return Erased{}, fmt.Errorf("store: erase personal data: %w", err)
	}
	return e, nil
}

// rotateBatch is how many sealed values one rotation transaction re-seals.
const rotateBatch = 500

// RotateContacts re-seals, under keys' current key, every stored contact
// sealed under another key, batch by batch (a crash loses nothing: the old
// key stays in the keyring and a re-run continues). progress, when set,
// receives the running count.
func (p *PersonalData) RotateContacts(ctx context.Context, keys *privacy.Keyring, progress func(int)) (int, error) {
	total := 0
	for _, t := range []struct{ table, key, col, aad string }{
		{"personal_contacts", "kind || '/' || record_id", "sealed", ContactAAD},
		{"dumping_reports", "id", "contact", dumping.ContactAAD},
	} {
		for {
			n, err := p.rotateSome(ctx, keys, t.table, t.key, t.col, t.aad)
			if err != nil {
				return total, fmt.Errorf("store: rotate %s.%s: %w", t.table, t.col, err)
			}
			total += n
			if progress != nil && n > 0 {
				progress(total)
			}
			if n == 0 {
				break
			}
		}
	}
	return total, nil
}

// rotateSome re-seals up to rotateBatch values of table.col not under the
// current key, returning how many.
func (p *PersonalData) rotateSome(ctx context.Context, keys *privacy.Keyring, table, key, col, aad string) (int, error) {
	n := 0
	// The header of a sealed value is version, id length, id (see
	// privacy.Keyring.Seal): the current key's header is a prefix test.
	cur := append([]byte{1, byte(len(keys.Current()))}, keys.Current()...)
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, fmt.Sprintf(`select %s, %s from %s where %s is not null and substring(%s from 1 for $1) <> $2 limit $3 for update`,
			key, col, table, col, col), len(cur), cur, rotateBatch)
		if err != nil {
			return err
		}
		type item struct {
			ID     string
			Sealed []byte
		}
		items, err := pgx.CollectRows(rows, pgx.RowToStructByPos[item])
		if err != nil {
			return err
		}
		for _, it := range items {
			out, _, err := keys.Reseal(it.Sealed, aad)
			if err != nil {
				return fmt.Errorf("%s: %w", it.ID, err)
			}
			if _, err := tx.Exec(ctx, fmt.Sprintf("update %s set %s = $1 where %s = $2", table, col, key), out, it.ID); err != nil {
				return err
			}
		}
		n = len(items)
		return nil
	})
	return n, err
}
