package dumping

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrNotFound is matched by every *NotFoundError.
var ErrNotFound = errors.New("dumping: not found")

// NotFoundError says a report, photo or agency does not exist (or, for a
// viewer who may not see it, is not shown to exist).
type NotFoundError struct {
	Kind, ID string
}

// Error names the object.
func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %q does not exist", e.Kind, e.ID) }

// Is matches ErrNotFound.
func (e *NotFoundError) Is(t error) bool { return t == ErrNotFound }

// Status is 404.
func (e *NotFoundError) Status() int { return http.StatusNotFound }

// InputError blames one field of a request: a missing reason, an unknown
// service, a photo that is not a JPEG or PNG.
type InputError struct {
	Field, Reason string
}

// Error names the field and the reason.
func (e *InputError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Reason) }

// Status is 400.
func (e *InputError) Status() int { return http.StatusBadRequest }

// InvalidParam names the field for the problem document.
func (e *InputError) InvalidParam() (string, string) { return e.Field, e.Reason }

// ForbiddenError says the viewer may not do this.
type ForbiddenError struct {
	Viewer Viewer
	Action string
}

// Error says who may not do what.
func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("%s may not %s", e.Viewer, e.Action)
}

// Status is 403.
func (e *ForbiddenError) Status() int { return http.StatusForbidden }

// ConflictError says the lifecycle does not allow the transition.
type ConflictError struct {
	From, To State
}

// Error names the transition.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("a report that is %s cannot become %s; allowed: %v", e.From, e.To, transitions[e.From])
}

// Status is 409.
func (e *ConflictError) Status() int { return http.StatusConflict }
