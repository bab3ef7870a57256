package dumping

import (
	"context"
	"time"

	"github.com/envtrace/envtrace/casework/outbox"
)

// Services are the report categories offered through Open311 and the API,
// after the waste kinds Taiwan's agencies handle differently.
var Services = []Service{
	{Code: "dumping-household", Name: "一般廢棄物棄置", Description: "家戶垃圾、大型家具等一般廢棄物遭棄置於公有土地"},
	{Code: "dumping-construction", Name: "營建廢棄物棄置", Description: "營建剩餘土石方、磚瓦混凝土塊等遭棄置"},
	{Code: "dumping-industrial", Name: "事業廢棄物棄置", Description: "疑似工廠事業廢棄物、桶裝化學品、廢輪胎等遭棄置"},
	{Code: "dumping-other", Name: "其他棄置", Description: "其他不明廢棄物遭棄置"},
}

// Service is one report category.
type Service struct {
	Code        string `json:"service_code"`
	Name        string `json:"service_name"`
	Description string `json:"description"`
}

// ServiceByCode returns the service with code.
func ServiceByCode(code string) (Service, bool) {
	for _, s := range Services {
		if s.Code == code {
			return s, true
		}
	}
	return Service{}, false
}

// Fly-tip sizes a reporter can choose (FixMyStreet's Flytip_Size).
var Sizes = []string{"single-bag", "car-boot", "van", "truck", "larger"}

// Report is one illegal-dumping report with its whole history.
type Report struct {
	ID          string `json:"id"`
	ServiceCode string `json:"service_code"`
	Description string `json:"description"`
	Address     string `json:"address,omitempty"`
	// X, Y are the location in EPSG:3826; Lon, Lat in WGS84.
	X   float64 `json:"x"`
	Y   float64 `json:"y"`
	Lon float64 `json:"lon"`
	Lat float64 `json:"lat"`
	// Fly-tip fields: did the reporter see it happen, will they be a
	// witness, how big, what waste.
	SeenIt    bool   `json:"seen_it"`
	Witness   bool   `json:"witness"`
	Size      string `json:"size,omitempty"`
	WasteType string `json:"waste_type,omitempty"`
	// Source is the intake channel: open311, api, web, remote-sensing.
	Source string `json:"source"`
	// Contact is the reporter's contact, sealed (never stored in clear);
	// HasContact says there is one.
	Contact    []byte `json:"-"`
	HasContact bool   `json:"has_contact"`
	// ContactSubject is the contact's blind index (privacy.Secret.Subject),
	// stored beside it so an erasure request can find the report.
	ContactSubject string `json:"-"`

	State    State  `json:"state"`
	AgencyID string `json:"agency_id"`
	// Route is the routing decision at intake (or at the last referral).
	Route Decision `json:"route"`
	// DuplicateOf links a duplicate to the report it repeats; Duplicates
	// lists the reports linked to this one.
	DuplicateOf string   `json:"duplicate_of,omitempty"`
	Duplicates  []string `json:"duplicates,omitempty"`
	// SiteID is the first report at this place (within the duplicate
	// radius, at any time); RepeatSite says the site was reported in an
	// earlier year too.
	SiteID     string   `json:"site_id"`
	RepeatSite bool     `json:"repeat_site"`
	Photos     []string `json:"photos,omitempty"`
	Replies    []Reply  `json:"replies"`
	History    []Event  `json:"history"`

	RequestedAt time.Time `json:"requested_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	StateSince  time.Time `json:"state_since"`
	// DueAt is when the current state's service level runs out; nil when
	// the state has no clock. EscalatedAt is set when the centre was
	// alerted for the current state.
	DueAt       *time.Time `json:"due_at,omitempty"`
	EscalatedAt *time.Time `json:"escalated_at,omitempty"`
}

// Overdue reports whether the report is past its due time at now: exactly
// at the deadline counts as overdue.
func (r *Report) Overdue(now time.Time) bool {
	return r.State.Open() && r.DueAt != nil && !now.Before(*r.DueAt)
}

// Event is one entry of a report's history: a transition, a referral, an
// escalation. Every transition writes one.
type Event struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	From  State     `json:"from,omitempty"`
	To    State     `json:"to"`
	// AgencyID is the agency handling the report after the event.
	AgencyID string `json:"agency_id,omitempty"`
	Reason   string `json:"reason,omitempty"`
	// SuggestedAgency and SuggestedOwner are what a "not responsible"
	// answer names.
	SuggestedAgency string `json:"suggested_agency,omitempty"`
	SuggestedOwner  string `json:"suggested_owner,omitempty"`
	// Kind is transition, escalation or link.
	Kind string `json:"kind"`
}

// Reply is an agency's answer, shown to the reporter and the public:
// when, whether it inspected, and what it found (Disfactory's users ask
// for exactly this instead of opaque status tags).
type Reply struct {
	At        time.Time `json:"at"`
	AgencyID  string    `json:"agency_id"`
	Agency    string    `json:"agency"`
	Inspected bool      `json:"inspected"`
	Finding   string    `json:"finding"`
}

// Photo is an uploaded photo, stored without its metadata.
type Photo struct {
	ID       string    `json:"id"`
	ReportID string    `json:"report_id"`
	Type     string    `json:"content_type"`
	Data     []byte    `json:"-"`
	Width    int       `json:"width"`
	Height   int       `json:"height"`
	TakenAt  time.Time `json:"uploaded_at"`
}

// Patrol is one entry of a manager's patrol log: evidence that it watches
// its land (§71).
type Patrol struct {
	ID        string    `json:"id"`
	AgencyID  string    `json:"agency_id"`
	At        time.Time `json:"at"`
	X         float64   `json:"x"`
	Y         float64   `json:"y"`
	SiteID    string    `json:"site_id,omitempty"`
	ParcelID  string    `json:"parcel_id,omitempty"`
	Finding   string    `json:"finding"`
	Patroller string    `json:"patroller"`
}

// Measure is a prevention measure at a site: a camera, a fence, signs,
// regular patrols.
type Measure struct {
	ID          string    `json:"id"`
	SiteID      string    `json:"site_id"`
	AgencyID    string    `json:"agency_id"`
	Kind        string    `json:"kind"`
	InstalledAt time.Time `json:"installed_at"`
	Note        string    `json:"note,omitempty"`
}

// MeasureKinds are the prevention measures tracked per site.
var MeasureKinds = []string{"camera", "fence", "signs", "patrols", "lighting", "other"}

// AuditRecord is one line of the audit trail: who did what to which
// report, kept apart from the report so that rewriting a report cannot
// rewrite its audit.
type AuditRecord struct {
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	ReportID string    `json:"report_id"`
	Detail   string    `json:"detail"`
}

// Filter selects reports.
type Filter struct {
	// Agency keeps reports the agency handles now; "" keeps all.
	Agency string
	// Open keeps open (true) or finished (false) reports; nil keeps both.
	Open *bool
	// From and To bound RequestedAt (To exclusive); zero means unbounded.
	From, To time.Time
	// IDs keeps only these reports.
	IDs []string
	// Limit caps the answer (0: no cap); newest first.
	Limit int
}

// Repository is where reports live. PostGIS implements it in package
// store, Memory here.
type Repository interface {
	// Update runs fn in one transaction: every write fn makes, outbox
	// messages and audit records included, commits together or not at
	// all.
	Update(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	// Report returns one report, or a *NotFoundError.
	Report(ctx context.Context, id string) (*Report, error)
	// Reports returns reports matching f, newest first.
	Reports(ctx context.Context, f Filter) ([]*Report, error)
	// Photo returns one photo, or a *NotFoundError.
	Photo(ctx context.Context, id string) (*Photo, error)
	// Patrols returns an agency's patrol log ("" for all), newest first.
	Patrols(ctx context.Context, agency string) ([]Patrol, error)
	// Measures returns every prevention measure.
	Measures(ctx context.Context) ([]Measure, error)
	// Audit returns a report's audit trail, oldest first.
	Audit(ctx context.Context, reportID string) ([]AuditRecord, error)
}

// Tx is the writing side of one Repository transaction.
type Tx interface {
	// NextID allocates a report id for a report taken in at.
	NextID(ctx context.Context, at time.Time) (string, error)
	// Report reads a report for update (later writers wait).
	Report(ctx context.Context, id string) (*Report, error)
	// Near returns reports within radius metres of (x, y), requested at
	// or after since, oldest first.
	Near(ctx context.Context, x, y, radius float64, since time.Time) ([]*Report, error)
	// Put inserts or replaces a report.
	Put(ctx context.Context, r *Report) error
	// Audit appends to the audit trail.
	Audit(ctx context.Context, a AuditRecord) error
	AddPhoto(ctx context.Context, p *Photo) error
	AddPatrol(ctx context.Context, p Patrol) error
	AddMeasure(ctx context.Context, m Measure) error
	// Enqueue adds notifications to the outbox in this transaction.
	Enqueue(ctx context.Context, ms ...outbox.Message) error
}
