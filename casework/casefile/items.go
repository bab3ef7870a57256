package casefile

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/casework"
)

// item is one of the case's items other than a trace, as the exports
// carry it: the reference and its public summary (never personal data:
// the summary is the record's public view), a one-line Chinese summary,
// and its position when it has one.
type item struct {
	Seq      int
	Kind     casework.Kind
	Ref      string // the record's id, or a civil-society report's title
	Line     string // the one-line summary in Traditional Chinese
	Summary  json.RawMessage
	By       string
	At       time.Time
	Digest   string
	Position orb.Point
	Located  bool
}

// caseItems lists the case's items other than traces, in item order.
func caseItems(c *casework.Case) []item {
	var out []item
	for _, it := range c.Items {
		x := item{Seq: it.Seq, Kind: it.Kind, By: it.AddedBy, At: it.AddedAt, Digest: it.Digest}
		switch b := it.Body.(type) {
		case *casework.RefItem:
			x.Ref, x.Summary = b.RefID, b.Summary
			x.Line = summaryZH(it.Kind, b.Summary)
			x.Position, x.Located = b.Location()
		case *casework.NGOReport:
			x.Ref, x.Line = b.Title, b.Text
		default:
			continue
		}
		out = append(out, x)
	}
	return out
}

// summaryZH is a reference's public summary in one Chinese line, the same
// in every export: what an officer reads in a spreadsheet or on a map pin.
func summaryZH(kind casework.Kind, raw json.RawMessage) string {
	var s map[string]any
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	str := func(k string) string {
		switch v := s[k].(type) {
		case string:
			return v
		case float64:
			return fmt.Sprint(v)
		}
		return ""
	}
	count := func(k string) int {
		if a, ok := s[k].([]any); ok {
			return len(a)
		}
		return 0
	}
	tw := func(k string) string {
		t, err := time.Parse(time.RFC3339, str(k))
		if err != nil {
			return str(k)
		}
		return t.In(casework.Taipei).Format("2006-01-02 15:04")
	}
	switch kind {
	case casework.KindPetition:
		return fmt.Sprintf("異味 %s，強度 %s，%s（公開位置已偏移 %s 公尺內）", str("category"), str("intensity"), tw("time"), str("fuzz_box_m"))
	case casework.KindDumping:
		return fmt.Sprintf("%s；%s；%s；通報 %s", str("state_label"), str("agency"), str("description"), tw("requested_at"))
	case casework.KindInspection:
		return strings.TrimSpace(fmt.Sprintf("%s 稽查 %s %s：查核發現 %s、採樣 %s、違規 %s、處分 %s", str("date"), str("facility_id"), str("facility_name"),
			str("findings"), str("samples"), str("violations"), str("penalties")))
	case casework.KindSensorAnomaly:
		return fmt.Sprintf("感測器 %s %s，MD %s（門檻 %s），瞬間升高 %d 次，%s 至 %s", str("device_id"), classZH(str("class")), str("md"),
			str("md_threshold"), count("red"), tw("from"), tw("to"))
	}
	return ""
}

// classZH names an ADF device class.
func classZH(c string) string {
	switch c {
	case "emission":
		return "疑似排放源"
	case "indoor":
		return "疑似室內"
	case "normal":
		return "正常"
	}
	return c
}

// itemTable lists the case's items other than traces: the CSV's second
// table and the workbook's fourth sheet.
func itemTable(v *view) table {
	t := table{name: "案件項目", head: []string{"序號", "類別", "編號或標題", "摘要", "經度", "緯度", "加入者", "加入時間(+08:00)", "SHA-256"}}
	for _, x := range caseItems(v.C) {
		var lon, lat any = "", ""
		if x.Located {
			lon, lat = x.Position[0], x.Position[1]
		}
		t.rows = append(t.rows, []any{x.Seq, kindZH[x.Kind], x.Ref, x.Line, lon, lat, x.By, twTime(x.At), x.Digest})
	}
	return t
}
