package model

import (
	"errors"
	"fmt"

	"github.com/envtrace/envtrace/internal/csvtab"
)

// ErrInvalid is matched (errors.Is) by every *FieldError, so callers can
// tell "the data is wrong" from I/O failures. It is csvtab's: the air and
// odour files report through the same error.
var ErrInvalid = csvtab.ErrInvalid

// FieldError locates one problem in a data directory precisely enough for
// a user to fix the file: file, line, column and the offending value. For
// records built in memory (WriteDir) Line is 0 and Record is the index in
// the Dataset's slice. It is the same type as the air and odour files'
// (internal/csvtab), so one errors.As finds a problem in any file.
type FieldError = csvtab.FieldError

// maxErrors bounds how many problems one ReadDir or WriteDir reports; a
// file with a systematic mistake would otherwise produce one per row.
const maxErrors = csvtab.MaxErrors

// problems collects FieldErrors up to maxErrors.
type problems struct {
	errs    []error
	dropped int
}

func (p *problems) add(e *FieldError) {
	if len(p.errs) >= maxErrors {
		p.dropped++
		return
	}
	p.errs = append(p.errs, e)
}

func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	errs := p.errs
	if p.dropped > 0 {
		errs = append(errs[:len(errs):len(errs)], fmt.Errorf("model: %d more problems not shown", p.dropped))
	}
	return errors.Join(errs...)
}
