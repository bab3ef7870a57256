package api

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/casework/petition"
)

// PetitionArea is what the odour-petition intake routes need: the desk.
// Who asks comes from the access middleware's principal (see
// petitionViewer).
type PetitionArea struct {
	Desk *petition.Desk
}

// PetitionBackend is an optional method set: a backend with a petition
// desk serves /api/v1/odour/petitions.
type PetitionBackend interface {
	PetitionArea() *PetitionArea
}

// registerPetitions mounts the intake routes. Who sees what is
// casework/petition's matrix: the public gets shifted locations only,
// an officer the exact ones of their county's petitions, the centre every
// exact one and alone the contacts.
func (s *Server) registerPetitions(v1 *echo.Group, area *PetitionArea) {
	h := &petitionHandlers{area: area}
	v1.POST("/odour/petitions", h.submit)
	v1.GET("/odour/petitions", h.list)
	v1.GET("/odour/petitions/:id", h.one)
	v1.GET("/odour/petitions/:id/contact", h.contact)
}

type petitionHandlers struct{ area *PetitionArea }

// petitionViewer is what a principal is to the petition desk: an
// administrator is the centre (exact locations and, on the contact
// route, the contact); an officer is their county's bureau staff (exact
// locations and text of the petitions located in their county, the
// public view of the others', never the contact: the desk's per-petition
// rule); everybody else, land agencies included, gets the public view at
// fuzzed locations.
func petitionViewer(p access.Principal) dumping.Viewer {
	switch p.Role {
	case access.Admin:
		return dumping.Viewer{Role: dumping.RoleCentre, Name: p.Subject}
	case access.Officer:
		return dumping.Viewer{Role: dumping.RoleAgency, Agency: p.Scope.County, Name: p.Subject}
	}
	return dumping.Public
}

// viewer is the caller as the desk knows it.
func (h *petitionHandlers) viewer(c echo.Context) (dumping.Viewer, error) {
	return petitionViewer(principal(c)), nil
}

// petitionError maps the desk's errors onto problems.
func petitionError(err error, id string) error {
	var ie *petition.InputError
	switch {
	case errors.As(err, &ie):
		return &ParamError{Name: ie.Field, Reason: ie.Reason, Err: err}
	case errors.Is(err, petition.ErrNotFound):
		return &NotFoundError{Kind: "petition", ID: id, Err: err}
	case errors.Is(err, petition.ErrForbidden):
		return &forbiddenError{reason: err.Error()}
	}
	return err
}

// forbiddenError is a 403.
type forbiddenError struct{ reason string }

func (e *forbiddenError) Error() string { return "forbidden: " + e.reason }
func (e *forbiddenError) Status() int   { return http.StatusForbidden }

// submit takes a petition in (anybody may petition); the answer is the
// petition as the caller may see it.
func (h *petitionHandlers) submit(c echo.Context) error {
	v, err := h.viewer(c)
	if err != nil {
		return err
	}
	var in petition.Intake
	if err := bind(c, &in); err != nil {
		return err
	}
	sv, err := h.area.Desk.Submit(c.Request().Context(), in)
	if err != nil {
		return petitionError(err, "")
	}
	if h.area.Desk.SeesExactAt(v, sv.ExactLon, sv.ExactLat) {
		return c.JSON(http.StatusCreated, sv)
	}
	return c.JSON(http.StatusCreated, sv.PublicView)
}

func (h *petitionHandlers) list(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	v, err := h.viewer(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.area.Desk.List(v))
}

func (h *petitionHandlers) one(c echo.Context) error {
	v, err := h.viewer(c)
	if err != nil {
		return err
	}
	p, err := h.area.Desk.Get(v, c.Param("id"))
	if err != nil {
		return petitionError(err, c.Param("id"))
	}
	return c.JSON(http.StatusOK, p)
}

func (h *petitionHandlers) contact(c echo.Context) error {
	v, err := h.viewer(c)
	if err != nil {
		return err
	}
	ct, err := h.area.Desk.OpenContact(v, c.Param("id"))
	if err != nil {
		return petitionError(err, c.Param("id"))
	}
	return c.JSON(http.StatusOK, ct)
}

// WithPetitions gives a memory backend the petition desk it serves at
// /api/v1/odour/petitions.
func WithPetitions(area *PetitionArea) MemoryOption {
	return func(o *memoryOptions) { o.petitions = area }
}

// PetitionArea implements PetitionBackend; nil without WithPetitions.
func (b *MemoryBackend) PetitionArea() *PetitionArea {
	if b.tr == nil {
		return nil
	}
	return b.tr.opt.petitions
}
