package casework

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/envtrace/envtrace/access"
)

// MaxReason bounds a referral's reason, in characters.
const MaxReason = 1000

// Referral records one handing of a case from one county's bureau to
// another's (移送). A case's referrals are its history: they are only
// ever appended.
type Referral struct {
	// Seq numbers a case's referrals from 1.
	Seq int `json:"seq"`
	// From is the county the case was with ("" when it had none: a case
	// the central centre opened).
	From   string    `json:"from_county"`
	To     string    `json:"to_county"`
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Refer hands c to county to's bureau: the referral is appended to the
// history, the case's county becomes to, to's bureau is granted edit
// access and every other bureau it was shared with keeps read access (it
// holds the file's history, and may be asked about it) but no longer
// edits: one bureau works a case at a time.
func (c *Case) Refer(to, reason, by string, at time.Time) (Referral, error) {
	reason = strings.TrimSpace(reason)
	if _, ok := access.CountyName(to); !ok {
		return Referral{}, &FieldError{Field: "to_county", Reason: fmt.Sprintf("%q is not a county code such as TXG", to)}
	}
	if to == c.County {
		return Referral{}, &FieldError{Field: "to_county", Reason: "the case is with " + to + " already"}
	}
	if n := utf8.RuneCountInString(reason); n == 0 || n > MaxReason {
		return Referral{}, &FieldError{Field: "reason", Reason: fmt.Sprintf("required, at most %d characters", MaxReason)}
	}
	at = at.UTC().Truncate(time.Microsecond)
	r := Referral{Seq: len(c.Referrals) + 1, From: c.County, To: to, Reason: reason, By: by, At: at}
	for i, s := range c.SharedWith {
		if strings.HasPrefix(s.Principal, SharePrefixCounty) {
			c.SharedWith[i].Access = AccessRead
		}
	}
	if err := c.Grant(Share{Principal: SharePrefixCounty + to, Access: AccessEdit, Since: at}); err != nil {
		return Referral{}, err
	}
	c.County = to
	c.Referrals = append(c.Referrals, r)
	return r, nil
}
