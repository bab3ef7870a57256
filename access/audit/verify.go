package audit

import (
	"bytes"
	"encoding/hex"
	"fmt"
)

// Row is a stored entry: its position in the chain and its MAC.
type Row struct {
	Seq int64
	Entry
	MAC []byte
}

// BreakError names the first row at which the chain fails verification.
type BreakError struct {
	Seq    int64  // the first bad row (or the missing one)
	Reason string // what is wrong with it
}

// Error names the row and the reason.
func (e *BreakError) Error() string {
	return fmt.Sprintf("audit_log row %d: %s", e.Seq, e.Reason)
}

// Verifier checks a chain row by row, in sequence order, without holding
// it in memory: a national log has millions of rows.
type Verifier struct {
	key  []byte
	next int64  // the sequence number the next row must carry
	prev []byte // the previous row's MAC as recomputed
	// checkpoints still to meet, by sequence number
	checkpoints map[int64][]byte
	maxCheck    int64
}

// NewVerifier starts a verification of a chain from its first row, under
// key, against checkpoints (possibly none).
func NewVerifier(key []byte, checkpoints []Checkpoint) *Verifier {
	v := &Verifier{key: key, next: 1, checkpoints: map[int64][]byte{}}
	for _, c := range checkpoints {
		v.checkpoints[c.Seq] = c.MAC
		v.maxCheck = max(v.maxCheck, c.Seq)
	}
	return v
}

// Add checks the next row. A row whose sequence number skips is a deleted
// row (or, arriving lower, a reordered one); a row whose MAC differs from
// the one recomputed from its content and the previous row was edited,
// moved or forged. The first error is final: later rows are not checked.
func (v *Verifier) Add(r Row) error {
	switch {
	case r.Seq > v.next:
		return &BreakError{Seq: v.next, Reason: fmt.Sprintf("missing: the next row stored is %d (rows deleted)", r.Seq)}
	case r.Seq < v.next:
		return &BreakError{Seq: r.Seq, Reason: fmt.Sprintf("out of order: it follows row %d", v.next-1)}
	}
	want := MAC(v.key, r.Seq, r.Entry, v.prev)
	if !bytes.Equal(want, r.MAC) {
		return &BreakError{Seq: r.Seq, Reason: "HMAC does not match its content and the previous row (row edited, moved or forged)"}
	}
	if c, ok := v.checkpoints[r.Seq]; ok && !bytes.Equal(c, r.MAC) {
		return &BreakError{Seq: r.Seq, Reason: "HMAC differs from the exported checkpoint (chain rebuilt)"}
	}
	v.prev = r.MAC
	v.next++
	return nil
}

// Done ends the verification: the chain must reach the latest checkpoint,
// or its tail was truncated. It returns the number of rows checked.
func (v *Verifier) Done() (int64, error) {
	n := v.next - 1
	if v.maxCheck > n {
		return n, &BreakError{Seq: n + 1, Reason: fmt.Sprintf("missing: the log ends at row %d but checkpoint %d (HMAC %s) was exported (tail truncated)",
			n, v.maxCheck, hex.EncodeToString(v.checkpoints[v.maxCheck]))}
	}
	return n, nil
}

// Head is the checkpoint of the rows verified so far.
func (v *Verifier) Head() Checkpoint {
	return Checkpoint{Seq: v.next - 1, MAC: v.prev}
}
