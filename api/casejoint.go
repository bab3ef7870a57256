package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/casework"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/casework/inspection"
	"github.com/envtrace/envtrace/casework/petition"
	"github.com/envtrace/envtrace/tracing/airquery"
)

// maxJointBody bounds the joint-defence POST bodies: a reference, a share
// or a civil-society report (MaxReportText characters of up to 4 bytes).
const maxJointBody = 64 << 10

// refSource reads the public summary of a record of one kind, and the API
// path it is read at, for a case to hold it by reference. An unknown id
// wraps errNoRecord.
type refSource func(ctx context.Context, id string) (summary any, source string, err error)

// errNoRecord: the referenced record does not exist.
var errNoRecord = errors.New("no such record")

// refSources are the record desks this server has, by kind: a kind whose
// desk the server lacks cannot be added to a case here.
func (s *Server) refSources() map[casework.Kind]refSource {
	out := map[casework.Kind]refSource{}
	if pb, ok := s.backend.(PetitionBackend); ok && pb.PetitionArea() != nil && pb.PetitionArea().Desk != nil {
		desk := pb.PetitionArea().Desk
		out[casework.KindPetition] = func(_ context.Context, id string) (any, string, error) {
			// Always the public view, whoever adds it: the case may be
			// shared later with people who may not see a petitioner.
			v, err := desk.Get(dumping.Public, id)
			if errors.Is(err, petition.ErrNotFound) {
				err = fmt.Errorf("%w: %w", errNoRecord, err)
			}
			return v, "/api/v1/odour/petitions/" + id, err
		}
	}
	if db, ok := s.backend.(DumpingBackend); ok && db.DumpingArea() != nil && db.DumpingArea().Desk != nil {
		desk := db.DumpingArea().Desk
		out[casework.KindDumping] = func(ctx context.Context, id string) (any, string, error) {
			v, err := desk.PublicReport(ctx, id)
			if errors.Is(err, dumping.ErrNotFound) {
				err = fmt.Errorf("%w: %w", errNoRecord, err)
			}
			return v, "/api/v1/dumping/public/reports/" + id, err
		}
	}
	if ir, ok := s.backend.(InspectionRecords); ok && ir.InspectionRepository() != nil {
		repo := ir.InspectionRepository()
		out[casework.KindInspection] = func(ctx context.Context, id string) (any, string, error) {
			r, err := repo.Inspection(ctx, id)
			if errors.Is(err, inspection.ErrNotFound) {
				return nil, "", fmt.Errorf("%w: %w", errNoRecord, err)
			}
			if err != nil {
				return nil, "", err
			}
			sum := inspectionSummary(r)
			if tb, ok := s.backend.(TracingBackend); ok {
				if f, err := tb.Facility(ctx, r.Facility); err == nil {
					sum.Name = f.Facility.Name
					if p := pointJSON(f.Position); p != nil {
						sum.Lon, sum.Lat = p[0], p[1] // as GET /api/v1/facilities/{id} gives it
					}
				}
			}
			return sum, "/api/v1/inspections/" + id, nil
		}
	}
	if ab, ok := s.backend.(AirBackend); ok {
		out[casework.KindSensorAnomaly] = func(ctx context.Context, id string) (any, string, error) {
			v, err := ab.AirAnomaly(ctx, id)
			if _, ok := airquery.IsInvalid(err); ok {
				return nil, "", fmt.Errorf("%w: %w", errNoRecord, err)
			}
			if err != nil {
				return nil, "", err
			}
			q := url.Values{"from": {v.From.Format(time.RFC3339)}, "to": {v.To.Format(time.RFC3339)}}
			return v, "/api/v1/air/anomalies?" + q.Encode(), nil
		}
	}
	return out
}

// inspectionRef is what a case keeps of an inspection record: when,
// where (the facility and its public site) and what was found in counts,
// without the inspector's name or notes.
type inspectionRef struct {
	ID         string  `json:"id"`
	Facility   string  `json:"facility_id"`
	Name       string  `json:"facility_name,omitempty"`
	Lon        float64 `json:"lon,omitempty"`
	Lat        float64 `json:"lat,omitempty"`
	Date       string  `json:"date"`
	Selection  string  `json:"selection"`
	Findings   int     `json:"findings"`
	Samples    int     `json:"samples"`
	Violations int     `json:"violations"`
	Penalties  int     `json:"penalties"`
}

func inspectionSummary(r *inspection.Record) *inspectionRef {
	return &inspectionRef{ID: r.ID, Facility: r.Facility, Date: r.Date.In(casework.Taipei).Format("2006-01-02"), Selection: r.Selection,
		Findings: len(r.Findings), Samples: len(r.Samples), Violations: len(r.Violations), Penalties: len(r.Penalties)}
}

// loadForEdit reads the case named by the path and checks the caller may
// change it.
func (h *caseHandlers) loadForEdit(c echo.Context, what string) (*casework.Case, error) {
	cs, err := h.load(c)
	if err != nil {
		return nil, err
	}
	if p := principal(c); !access.CanEditCase(p, caseRef(cs)) {
		return nil, access.Denied(p, what+" case "+cs.ID)
	}
	return cs, nil
}

// addItem answers POST /api/v1/cases/{id}/items: {"kind", "id"} names a
// petition, sensor anomaly, dumping report or inspection; the server reads its public
// summary itself and stores it with the reference.
func (h *caseHandlers) addItem(c echo.Context) error {
	var b struct {
		Kind casework.Kind `json:"kind"`
		ID   string        `json:"id"`
	}
	if err := decodeObject(c, maxJointBody, &b); err != nil {
		return err
	}
	src, ok := h.sources[b.Kind]
	switch {
	case !casework.IsRefKind(b.Kind):
		return &ParamError{Name: "kind", Reason: fmt.Sprintf("one of %v", casework.RefKinds)}
	case !ok:
		return &ParamError{Name: "kind", Reason: fmt.Sprintf("this server keeps no %s records to refer to", b.Kind)}
	case strings.TrimSpace(b.ID) == "" || len([]rune(b.ID)) > casework.MaxRefID:
		return &ParamError{Name: "id", Reason: fmt.Sprintf("required, at most %d characters", casework.MaxRefID)}
	}
	cs, err := h.loadForEdit(c, "add an item to")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v, source, err := src(ctx, b.ID)
	if errors.Is(err, errNoRecord) {
		reason := fmt.Sprintf("no %s %q", b.Kind, b.ID)
		if ie, ok := airquery.IsInvalid(err); ok {
			reason = ie.Reason
		}
		return &ParamError{Name: "id", Reason: reason, Err: err}
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", b.Kind, b.ID, err)
	}
	sum, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s %s: %w", b.Kind, b.ID, err)
	}
	ref, err := casework.NewRef(b.Kind, b.ID, source, sum)
	if err != nil {
		return fmt.Errorf("%s %s: %w", b.Kind, b.ID, err)
	}
	return h.store(c, cs, ref)
}

// store appends body to the case and answers 201 with the stored item.
func (h *caseHandlers) store(c echo.Context, cs *casework.Case, body casework.Body) error {
	it, err := h.repo.AddItem(c.Request().Context(), cs.ID, body, access.UserName(principal(c)), h.now())
	var fe *casework.FieldError
	if errors.As(err, &fe) {
		return &ParamError{Name: fe.Field, Reason: fe.Reason, Err: err}
	}
	if err != nil {
		return fmt.Errorf("case %s: add item: %w", cs.ID, err)
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/cases/"+cs.ID)
	return c.JSON(http.StatusCreated, it)
}

// share answers POST /api/v1/cases/{id}/shares: {"principal", "access"}
// grants one person ("user:<subject>": an investigator, a prosecutor or
// an NGO), a county bureau ("county:TXG") or an agency. Least privilege:
// never a whole role, and edit access only for a bureau.
func (h *caseHandlers) share(c echo.Context) error {
	var b struct {
		Principal string `json:"principal"`
		Access    string `json:"access"`
	}
	if err := decodeObject(c, maxJointBody, &b); err != nil {
		return err
	}
	acc, err := casework.CheckGrant(b.Principal, b.Access)
	var fe *casework.FieldError
	if errors.As(err, &fe) {
		return &ParamError{Name: fe.Field, Reason: fe.Reason, Err: err}
	}
	cs, err := h.loadForEdit(c, "share")
	if err != nil {
		return err
	}
	sh := casework.Share{Principal: b.Principal, Access: acc, Since: h.now()}
	err = h.repo.Share(c.Request().Context(), cs.ID, sh)
	if errors.As(err, &fe) {
		return &ParamError{Name: "principal", Reason: fe.Reason, Err: err}
	}
	if err != nil {
		return fmt.Errorf("case %s: share: %w", cs.ID, err)
	}
	return c.JSON(http.StatusCreated, sh)
}

// ngoReport answers POST /api/v1/cases/{id}/reports: a civil-society
// group submits {"title", "text"} into a case shared with it.
func (h *caseHandlers) ngoReport(c echo.Context) error {
	var b casework.NGOReport
	if err := decodeObject(c, maxJointBody, &b); err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		return &ParamError{Name: "report", Reason: err.Error()}
	}
	cs, err := h.load(c)
	if err != nil {
		return err
	}
	if p := principal(c); !access.CanReportToCase(p, caseRef(cs)) {
		return access.Denied(p, "report into case "+cs.ID)
	}
	return h.store(c, cs, &b)
}

// refer answers POST /api/v1/cases/{id}/referrals: {"to_county",
// "reason"} hands the case to another county's bureau, keeping its
// history (who, when, from where and why).
func (h *caseHandlers) refer(c echo.Context) error {
	var b struct {
		To     string `json:"to_county"`
		Reason string `json:"reason"`
	}
	if err := decodeObject(c, maxJointBody, &b); err != nil {
		return err
	}
	if _, ok := access.CountyName(b.To); !ok {
		return &ParamError{Name: "to_county", Reason: fmt.Sprintf("%q is not a county code such as TXG", b.To)}
	}
	cs, err := h.loadForEdit(c, "refer")
	if err != nil {
		return err
	}
	ref, err := h.repo.Refer(c.Request().Context(), cs.ID, b.To, b.Reason, access.UserName(principal(c)), h.now())
	var fe *casework.FieldError
	if errors.As(err, &fe) {
		return &ParamError{Name: fe.Field, Reason: fe.Reason, Err: err}
	}
	if err != nil {
		return fmt.Errorf("case %s: refer: %w", cs.ID, err)
	}
	return c.JSON(http.StatusCreated, ref)
}
