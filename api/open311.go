package api

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/gis/crs"
)

// Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) at
// /open311/v2: services, service definitions, requests (POST form-encoded,
// GET with a 90-day window) and one request, each as .json or .xml.
// status is open or closed; the lifecycle state and the agency's latest
// reply go in status_notes; locations are the public, fuzzed ones; photos
// are media_url links (uploads go through the REST API). Errors are RFC 9457
// problem documents like everywhere else in envtrace.

// o311Service is one entry of services.json.
type o311Service struct {
	XMLName     xml.Name `json:"-" xml:"service"`
	ServiceCode string   `json:"service_code" xml:"service_code"`
	ServiceName string   `json:"service_name" xml:"service_name"`
	Description string   `json:"description" xml:"description"`
	Metadata    bool     `json:"metadata" xml:"metadata"`
	Type        string   `json:"type" xml:"type"`
	Keywords    string   `json:"keywords" xml:"keywords"`
	Group       string   `json:"group" xml:"group"`
}

// o311Attribute is one fly-tip question of a service definition.
type o311Attribute struct {
	XMLName     xml.Name        `json:"-" xml:"attribute"`
	Variable    bool            `json:"variable" xml:"variable"`
	Code        string          `json:"code" xml:"code"`
	Datatype    string          `json:"datatype" xml:"datatype"`
	Required    bool            `json:"required" xml:"required"`
	Description string          `json:"description" xml:"description"`
	Order       int             `json:"order" xml:"order"`
	Values      []o311AttrValue `json:"values,omitempty" xml:"values>value,omitempty"`
}

type o311AttrValue struct {
	Key  string `json:"key" xml:"key"`
	Name string `json:"name" xml:"name"`
}

type o311Definition struct {
	XMLName     xml.Name        `json:"-" xml:"service_definition"`
	ServiceCode string          `json:"service_code" xml:"service_code"`
	Attributes  []o311Attribute `json:"attributes" xml:"attributes>attribute"`
}

// o311Request is one request as GET requests returns it.
type o311Request struct {
	XMLName           xml.Name `json:"-" xml:"request"`
	ServiceRequestID  string   `json:"service_request_id" xml:"service_request_id"`
	Status            string   `json:"status" xml:"status"`
	StatusNotes       string   `json:"status_notes" xml:"status_notes"`
	ServiceName       string   `json:"service_name" xml:"service_name"`
	ServiceCode       string   `json:"service_code" xml:"service_code"`
	Description       string   `json:"description" xml:"description"`
	AgencyResponsible string   `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     string   `json:"service_notice" xml:"service_notice"`
	RequestedDatetime string   `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  string   `json:"expected_datetime" xml:"expected_datetime"`
	Address           string   `json:"address" xml:"address"`
	AddressID         string   `json:"address_id" xml:"address_id"`
	Zipcode           string   `json:"zipcode" xml:"zipcode"`
	Lat               float64  `json:"lat" xml:"lat"`
	Long              float64  `json:"long" xml:"long"`
	MediaURL          string   `json:"media_url" xml:"media_url"`
}

// o311Created answers POST requests.
type o311Created struct {
	XMLName          xml.Name `json:"-" xml:"request"`
	ServiceRequestID string   `json:"service_request_id" xml:"service_request_id"`
	ServiceNotice    string   `json:"service_notice" xml:"service_notice"`
	AccountID        string   `json:"account_id" xml:"account_id"`
}

// registerOpen311 mounts the GeoReport v2 routes.
func (s *Server) registerOpen311(g *echo.Group, h *dumpingHandlers) {
	for _, f := range []string{"json", "xml"} {
		g.GET("/services."+f, func(c echo.Context) error { return h.o311Services(c, f) })
		g.GET("/requests."+f, func(c echo.Context) error { return h.o311List(c, f) })
		g.POST("/requests."+f, func(c echo.Context) error { return h.o311Post(c, f) })
	}
	g.GET("/services/:file", h.o311Definition)
	g.GET("/requests/:file", h.o311One)
}

// o311Write answers in the format the path asked for. XML lists are
// wrapped in root.
func o311Write(c echo.Context, format, root string, status int, v any) error {
	if format == "json" {
		return c.JSON(status, v)
	}
	b, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	out := []byte(xml.Header + "<" + root + ">")
	out = append(out, b...)
	out = append(out, []byte("</"+root+">")...)
	return c.Blob(status, echo.MIMEApplicationXMLCharsetUTF8, out)
}

// splitFormat cuts "x.json" into x and json.
func splitFormat(c echo.Context) (string, string, error) {
	file, err := pathID(c, "file")
	if err != nil {
		return "", "", err
	}
	for _, f := range []string{"json", "xml"} {
		if id, ok := strings.CutSuffix(file, "."+f); ok && id != "" {
			return id, f, nil
		}
	}
	return "", "", &ParamError{Name: "file", Reason: "must end in .json or .xml"}
}

func (h *dumpingHandlers) o311Services(c echo.Context, format string) error {
	if err := newQuery(c, "jurisdiction_id").err(); err != nil {
		return err
	}
	out := make([]o311Service, len(dumping.Services))
	for i, s := range dumping.Services {
		out[i] = o311Service{ServiceCode: s.Code, ServiceName: s.Name, Description: s.Description, Metadata: true,
			Type: "realtime", Keywords: "棄置,廢棄物,illegal dumping", Group: "非法棄置"}
	}
	return o311Write(c, format, "services", http.StatusOK, out)
}

// flyTip are the service attributes every dumping service asks
// (FixMyStreet's fly-tipping questions).
func flyTip() []o311Attribute {
	sizes := make([]o311AttrValue, len(dumping.Sizes))
	names := map[string]string{"single-bag": "一袋", "car-boot": "一個後車廂", "van": "一小貨車", "truck": "一卡車", "larger": "更多"}
	for i, s := range dumping.Sizes {
		sizes[i] = o311AttrValue{Key: s, Name: names[s]}
	}
	yes := []o311AttrValue{{Key: "true", Name: "是"}, {Key: "false", Name: "否"}}
	return []o311Attribute{
		{Variable: true, Code: "seen_it", Datatype: "singlevaluelist", Description: "您是否目擊棄置過程？", Order: 1, Values: yes},
		{Variable: true, Code: "witness", Datatype: "singlevaluelist", Description: "您是否願意作證？", Order: 2, Values: yes},
		{Variable: true, Code: "size", Datatype: "singlevaluelist", Description: "棄置量", Order: 3, Values: sizes},
		{Variable: true, Code: "waste_type", Datatype: "string", Description: "廢棄物種類", Order: 4},
	}
}

func (h *dumpingHandlers) o311Definition(c echo.Context) error {
	code, format, err := splitFormat(c)
	if err != nil {
		return err
	}
	if err := newQuery(c, "jurisdiction_id").err(); err != nil {
		return err
	}
	if _, ok := dumping.ServiceByCode(code); !ok {
		return &dumping.NotFoundError{Kind: "service", ID: code}
	}
	d := o311Definition{ServiceCode: code, Attributes: flyTip()}
	if format == "json" {
		return c.JSON(http.StatusOK, d)
	}
	b, err := xml.Marshal(d)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationXMLCharsetUTF8, append([]byte(xml.Header), b...))
}

// o311Post takes a form-encoded request, as the specification has it.
func (h *dumpingHandlers) o311Post(c echo.Context, format string) error {
	if ct := c.Request().Header.Get(echo.HeaderContentType); !strings.HasPrefix(ct, echo.MIMEApplicationForm) {
		return &ParamError{Name: "body", Reason: "Open311 POST is form-encoded (application/x-www-form-urlencoded)"}
	}
	v, err := h.viewer(c)
	if err != nil {
		return err
	}
	if err := c.Request().ParseForm(); err != nil {
		return &ParamError{Name: "body", Reason: "malformed form", Err: err}
	}
	form := c.Request().PostForm
	var errs ParamErrors
	num := func(name string) float64 {
		f, reason := parseFinite(form.Get(name))
		if form.Get(name) == "" {
			reason = "required: Open311 requests give lat and long (WGS84)"
		}
		if reason != "" {
			errs = append(errs, &ParamError{Name: name, Reason: reason})
		}
		return f
	}
	lat, long := num("lat"), num("long")
	boolAttr := func(k string) bool {
		b, _ := strconv.ParseBool(form.Get("attribute[" + k + "]"))
		return b
	}
	for k := range form {
		if strings.HasPrefix(k, "attribute[") && !knownAttr(k) {
			errs = append(errs, &ParamError{Name: k, Reason: "unknown attribute; see the service definition"})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	contact := form.Get("email")
	if p := form.Get("phone"); p != "" {
		contact = strings.TrimSpace(contact + " " + p)
	}
	if n := strings.TrimSpace(form.Get("last_name") + form.Get("first_name")); n != "" && contact != "" {
		contact = n + " " + contact
	}
	r, err := h.area.Desk.Submit(c.Request().Context(), v, dumping.Intake{ServiceCode: form.Get("service_code"), Description: form.Get("description"),
		Address: form.Get("address_string"), Point: [2]float64{long, lat}, CRS: crs.WGS84, Contact: contact,
		SeenIt: boolAttr("seen_it"), Witness: boolAttr("witness"), Size: form.Get("attribute[size]"),
		WasteType: form.Get("attribute[waste_type]"), Source: "open311"})
	if err != nil {
		return err
	}
	notice := "已受理，分派至 " + h.area.Desk.Public(r).Agency
	if r.DuplicateOf != "" {
		notice = "已併入同一地點的案件 " + r.DuplicateOf
	}
	return o311Write(c, format, "service_requests", http.StatusCreated, []o311Created{{ServiceRequestID: r.ID, ServiceNotice: notice}})
}

func knownAttr(k string) bool {
	for _, a := range flyTip() {
		if k == "attribute["+a.Code+"]" {
			return true
		}
	}
	return false
}

func (h *dumpingHandlers) o311List(c echo.Context, format string) error {
	q := newQuery(c, "start_date", "end_date", "status", "service_code", "service_request_id", "jurisdiction_id")
	from, to := window(q, time.Now())
	status := q.enum("status", "", "open", "closed")
	var ids []string
	if q.has("service_request_id") {
		ids = strings.Split(q.str("service_request_id"), ",")
	}
	code := q.str("service_code")
	if err := q.err(); err != nil {
		return err
	}
	f := dumping.Filter{From: from, To: to, IDs: ids, Limit: 1000}
	if status != "" {
		open := status == "open"
		f.Open = &open
	}
	rs, err := h.area.Desk.PublicReports(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := []o311Request{}
	for _, r := range rs {
		if code == "" || r.ServiceCode == code {
			out = append(out, h.o311Of(c, r))
		}
	}
	return o311Write(c, format, "service_requests", http.StatusOK, out)
}

func (h *dumpingHandlers) o311One(c echo.Context) error {
	id, format, err := splitFormat(c)
	if err != nil {
		return err
	}
	if err := newQuery(c, "jurisdiction_id").err(); err != nil {
		return err
	}
	r, err := h.area.Desk.PublicReport(c.Request().Context(), id)
	if errors.Is(err, dumping.ErrNotFound) {
		return &dumping.NotFoundError{Kind: "service request", ID: id}
	}
	if err != nil {
		return err
	}
	return o311Write(c, format, "service_requests", http.StatusOK, []o311Request{h.o311Of(c, r)})
}

// o311Of maps a public report to a GeoReport request: status open or
// closed, the state and the latest reply in status_notes.
func (h *dumpingHandlers) o311Of(c echo.Context, r dumping.PublicReport) o311Request {
	status := "open"
	if !r.State.Open() {
		status = "closed"
	}
	notes := r.StateLabel + " (" + string(r.State) + ")"
	if n := len(r.Replies); n > 0 {
		rep := r.Replies[n-1]
		inspected := "未現勘"
		if rep.Inspected {
			inspected = "已現勘"
		}
		notes += fmt.Sprintf("；%s %s 回覆（%s）：%s", rep.At.In(dumping.Taipei).Format("2006-01-02"), rep.Agency, inspected, rep.Finding)
	}
	if r.DuplicateOf != "" {
		notes += "；併入案件 " + r.DuplicateOf
	}
	expected := r.UpdatedAt
	if r.DueAt != nil {
		expected = *r.DueAt
	}
	svc, _ := dumping.ServiceByCode(r.ServiceCode)
	out := o311Request{ServiceRequestID: r.ID, Status: status, StatusNotes: notes, ServiceName: svc.Name, ServiceCode: r.ServiceCode,
		Description: r.Description, AgencyResponsible: r.Agency, RequestedDatetime: r.RequestedAt.In(dumping.Taipei).Format(time.RFC3339),
		UpdatedDatetime: r.UpdatedAt.In(dumping.Taipei).Format(time.RFC3339), ExpectedDatetime: expected.In(dumping.Taipei).Format(time.RFC3339),
		Lat: r.Lat, Long: r.Lon}
	if len(r.Photos) > 0 {
		out.MediaURL = h.s.absURL(c, "/api/v1/dumping/photos/"+url.PathEscape(r.Photos[0]))
	}
	return out
}
