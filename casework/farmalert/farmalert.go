// Package farmalert records farmland alerts (tracing/farmland: which
// intake gates to close, by when, whom to call) and sends them to the
// irrigation offices through the notification outbox (casework/outbox),
// in the same step, so an alert recorded is an alert sent.
package farmalert

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/envtrace/envtrace/casework/outbox"
	"github.com/envtrace/envtrace/tracing/farmland"
)

// Topic is the outbox topic of farmland alerts.
const Topic = "farmland.alert"

// taipei is the zone the messages print times in.
var taipei = time.FixedZone("Asia/Taipei", 8*3600)

// Enqueuer takes messages into an outbox (outbox.Memory, or a store's
// transaction).
type Enqueuer interface {
	Enqueue(ms ...outbox.Message) error
}

// Book holds the recorded alerts. It is safe for concurrent use.
type Book struct {
	mu     sync.Mutex
	alerts []farmland.Alert
	out    Enqueuer
}

// NewBook returns an empty book sending through out.
func NewBook(out Enqueuer) *Book { return &Book{out: out} }

// Record keeps an alert and enqueues one e-mail per office that has an
// address; recording the same alert again (same id) does nothing and
// returns false.
func (b *Book) Record(_ context.Context, a farmland.Alert) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if slices.ContainsFunc(b.alerts, func(x farmland.Alert) bool { return x.ID == a.ID }) {
		return false, nil
	}
	if err := b.out.Enqueue(Messages(a)...); err != nil {
		return false, fmt.Errorf("farmalert: enqueue %s: %w", a.ID, err)
	}
	b.alerts = append(b.alerts, a)
	return true, nil
}

// List returns the recorded alerts, newest first.
func (b *Book) List() []farmland.Alert {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := slices.Clone(b.alerts)
	sort.SliceStable(out, func(i, j int) bool { return out[i].IssuedAt.After(out[j].IssuedAt) })
	return out
}

// Messages are the e-mails an alert sends: one per office with an
// address, listing that office's gates, each with its deadline.
func Messages(a farmland.Alert) []outbox.Message {
	by := map[string][]farmland.AlertIntake{}
	var emails []string
	for _, in := range a.Intakes {
		if in.Email == "" {
			continue
		}
		if _, ok := by[in.Email]; !ok {
			emails = append(emails, in.Email)
		}
		by[in.Email] = append(by[in.Email], in)
	}
	var out []outbox.Message
	for _, to := range emails {
		ins := by[to]
		var body strings.Builder
		fmt.Fprintf(&body, "%s 灌溉水質警報 %s：%s 的 %s 預估超過灌溉用水水質標準。請在期限前關閉下列取水口：\n", ins[0].Office, a.ID, a.Source, a.Parameter)
		for _, in := range ins {
			fmt.Fprintf(&body, "- %s %s：%s 前關閉（尚餘 %.1f 小時），預估 %.4g %s（標準 %.4g），灌區 %.1f 公頃\n",
				in.IntakeID, in.Name, in.CloseBy.In(taipei).Format("2006-01-02 15:04"), in.HoursLeft, in.Concentration, in.Unit, in.Standard, in.AreaHa)
		}
		out = append(out, outbox.Message{ID: a.ID + "." + to, Channel: outbox.Email, To: to,
			Subject: fmt.Sprintf("[envtrace] 關閉取水口 %s %s", a.Parameter, ins[0].CloseBy.In(taipei).Format("01-02 15:04")),
			Body:    body.String(), Topic: Topic, Ref: a.ID, CreatedAt: a.IssuedAt})
	}
	return out
}
