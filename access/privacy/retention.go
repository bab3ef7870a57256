package privacy

import (
	"fmt"
	"time"
)

// Kind is a kind of personal data with its own retention period.
type Kind string

// Kinds of personal data the platform holds.
const (
	// KindDumpingContact is a dumping reporter's name, phone or e-mail,
	// kept to follow the report up.
	KindDumpingContact Kind = "dumping_contact"
	// KindPetitionContact is an odour petitioner's contact.
	KindPetitionContact Kind = "petition_contact"
	// KindExactLocation is where a reporter or petitioner stood (often a
	// home); the fuzzed public copy outlives it.
	KindExactLocation Kind = "exact_location"
)

// Day is the unit of retention periods.
const Day = 24 * time.Hour

// Period is how long each kind of personal data is kept after it was
// collected. The Personal Data Protection Act (個人資料保護法) Art. 11(3)
// requires deleting personal data once the specific purpose of collection
// has been fulfilled or its period has expired; the periods below are the
// purpose's duration: a report or petition is closed within weeks, may be
// reopened or appealed (訴願 within 30 days, administrative litigation
// within 2 months of the decision), and a case built on it may take a year
// to reach a penalty decision. Documented in docs/access.md.
func Period(kind Kind) (time.Duration, error) {
	switch kind {
	case KindDumpingContact, KindPetitionContact:
		return 2 * 365 * Day, nil
	case KindExactLocation:
		return 3 * 365 * Day, nil
	}
	return 0, fmt.Errorf("privacy: no retention period for %q", kind)
}

// Cutoff is the collection time before which data of kind is past its
// retention at now.
func Cutoff(kind Kind, now time.Time) (time.Time, error) {
	d, err := Period(kind)
	if err != nil {
		return time.Time{}, err
	}
	return now.Add(-d), nil
}

// Kinds lists every kind with a retention period, in a stable order.
func Kinds() []Kind {
	return []Kind{KindDumpingContact, KindExactLocation, KindPetitionContact}
}
