package casefile

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/xuri/excelize/v2"

	"github.com/envtrace/envtrace/tracing/suspect"
)

// table is one sheet of the workbook, and the CSV when it is the suspects.
type table struct {
	name string
	head []string
	rows [][]any
}

// suspectTable lists the suspects (by rank) and the ruled-out facilities
// with their evidence, one row each.
func suspectTable(v *view) table {
	t := table{name: "嫌疑對象", head: []string{"角色", "排名", "管制編號", "事業名稱", "行業", "排放口", "分數", "距離(km)", "流達時間(小時)",
		"推估排放起(+08:00)", "推估排放迄(+08:00)", "所需負荷(kg/日)", "許可負荷(kg/日)", "所需/許可倍數", "所需放流濃度", "許可限值",
		"許可證管制", "行業別排放", "歷次超標", "超標期別", "上游測站比對"}}
	add := func(role string, list []suspect.Suspect) {
		for _, s := range list {
			e := s.Evidence
			var limit any = ""
			if e.PermitLimit != nil {
				limit = *e.PermitLimit
			}
			periods := ""
			for i, p := range e.ExceedancePeriods {
				if i > 0 {
					periods += " "
				}
				periods += p
			}
			t.rows = append(t.rows, []any{role, s.Rank, s.FacilityID, s.Name, e.Industry, e.Outfall, s.Score, s.DistanceKm, s.TravelHours,
				twTime(e.DischargeWindow.From), twTime(e.DischargeWindow.To), e.RequiredLoadKgDay, e.PermittedLoadKgDay, e.LoadRatio,
				e.RequiredConcMgL, limit, e.PermitCovers, e.ProfileCovers, e.ExceedancesParam, periods, bracketingZH(e)})
		}
	}
	add("嫌疑", v.Res.Suspects)
	add("不足以解釋", v.Res.Insufficient)
	add("排除", v.Res.RuledOut)
	return t
}

// bracketZH words each kind of bracketing note, as the map's catalogue
// does (bracket.* in water.zh-TW.json): station, sample time, weight.
var bracketZH = map[string]string{
	suspect.BracketCleared:    "此排放口下游的 %[1]s 測站於 %[2]s（同一水體流經之時）量測正常（權重 %[3]s），予以排除",
	suspect.BracketDirtyAbove: "超量於 %[2]s 已出現在此排放口上游的 %[1]s 測站",
	suspect.BracketDirtyBelow: "此排放口與測值之間的 %[1]s 測站於 %[2]s 已受污染：嫌疑上移至該站",
	suspect.BracketLowered:    "此排放口下游的 %[1]s 測站於 %[2]s（時窗邊緣）量測正常（權重 %[3]s）：分數調降，未排除",
}

// bracketingZH says in Traditional Chinese what the upstream stations
// showed about a facility, from the evidence's notes (bracketing_by), in
// their order. A case saved before the engine gave the notes, or a note
// of a kind this version does not know, keeps the engine's English
// sentence: it is the record, and nothing is worded from a guess.
func bracketingZH(e suspect.Evidence) string {
	if len(e.BracketingBy) == 0 {
		return e.Bracketing
	}
	parts := make([]string, len(e.BracketingBy))
	for i, n := range e.BracketingBy {
		f, ok := bracketZH[n.Kind]
		if !ok {
			return e.Bracketing
		}
		parts[i] = fmt.Sprintf(f, n.Station, twTime(n.Time), strconv.FormatFloat(n.Weight, 'f', 2, 64))
	}
	return strings.Join(parts, "；")
}

// readingTable lists the readings the trace rests on, graded.
func readingTable(v *view) table {
	t := table{name: "水質數據", head: []string{"用途", "等級", "測站", "測站類型", "時間(+08:00)", "項目", "測值", "單位", "低於偵測極限",
		"樣品編號", "分析方法", "實驗室", "認可", "品保", "缺少"}}
	for _, r := range v.Trace.Readings {
		t.rows = append(t.rows, []any{r.Role, gradeZH(r.Grade), r.Station, string(r.StationKind), twTime(r.Time), r.Parameter, r.Value, r.Unit,
			r.Censored, r.SampleID, r.Method, r.Lab, r.Accreditation, r.QA, r.GradeReason})
	}
	return t
}

// caseTable is the case's summary sheet: what, when, verdict, versions
// and digests.
func caseTable(v *view) table {
	in := v.Trace.Inputs
	rows := [][]any{
		{"案件編號", v.C.ID}, {"案件名稱", v.C.Title}, {"建立者", v.C.CreatedBy}, {"建立時間", twTime(v.C.CreatedAt) + " " + rocDate(v.C.CreatedAt)},
		{"測站", in.Station}, {"項目", in.Parameter}, {"測值", in.Value}, {"單位", in.Unit}, {"採樣時間", twTime(in.Time)},
		{"判定", verdictZH(v.Trace.Verdict)}, {"說明", v.Res.Reason},
		{"方法版本", v.Trace.MethodVersion}, {"資料版本", v.Trace.DataVersion}, {"追查紀錄摘要 SHA-256", v.Digest},
	}
	return table{name: "案件", head: []string{"欄位", "內容"}, rows: rows}
}

// cell renders a value for CSV: numbers in full precision with a dot.
func cell(x any) string {
	switch y := x.(type) {
	case float64:
		return strconv.FormatFloat(y, 'f', -1, 64)
	case int:
		return strconv.Itoa(y)
	case bool:
		return strconv.FormatBool(y)
	case string:
		return y
	}
	return fmt.Sprint(x)
}

// csvFile is the suspects table as CSV, with a UTF-8 byte-order mark so
// that Excel reads the Chinese headers; when the case holds other items
// (petitions, sensor anomalies, dumping reports, inspections, reports),
// an empty line and the items table follow.
func csvFile(v *view) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	for i, t := range []table{suspectTable(v), itemTable(v)} {
		if i > 0 {
			if len(t.rows) == 0 {
				break
			}
			buf.WriteString("\r\n")
		}
		if err := w.Write(t.head); err != nil {
			return nil, err
		}
		for _, r := range t.rows {
			rec := make([]string, len(r))
			for i, x := range r {
				rec[i] = cell(x)
			}
			if err := w.Write(rec); err != nil {
				return nil, err
			}
		}
		w.Flush()
	}
	return buf.Bytes(), w.Error()
}

// xlsx is the workbook: the case, the suspects, the readings and the
// case's other items, one sheet each, with fixed document dates so that the same case gives the same
// bytes.
func xlsx(v *view) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	created := v.C.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")
	if err := f.SetDocProps(&excelize.DocProperties{Created: created, Modified: created, Creator: "envtrace", Title: v.C.Title,
		Identifier: v.C.ID, Language: "zh-TW"}); err != nil {
		return nil, err
	}
	for i, t := range []table{caseTable(v), suspectTable(v), readingTable(v), itemTable(v)} {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", t.name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(t.name); err != nil {
			return nil, err
		}
		head := make([]any, len(t.head))
		for j, h := range t.head {
			head[j] = h
		}
		for r, row := range append([][]any{head}, t.rows...) {
			addr, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(t.name, addr, &row); err != nil {
				return nil, err
			}
		}
		if err := f.SetPanes(t.name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return nil, err
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// geoJSON is the trace map as a FeatureCollection (EPSG:4326), with the
// case's summary as a foreign member.
func geoJSON(v *view) ([]byte, error) {
	m := v.Trace.Map
	fc := geojson.NewFeatureCollection()
	st := geojson.NewFeature(m.Station)
	st.ID = "station:" + v.Trace.Inputs.Station
	st.Properties = geojson.Properties{"kind": "station", "station": v.Trace.Inputs.Station}
	fc.Append(st)
	for _, o := range m.Outfalls {
		f := geojson.NewFeature(o.Position)
		f.ID = o.Role + ":" + o.FacilityID + ":" + o.Outfall
		f.Properties = geojson.Properties{"kind": o.Role, "facility_id": o.FacilityID, "name": o.Name, "outfall": o.Outfall}
		if o.Rank > 0 {
			f.Properties["rank"] = o.Rank
		}
		fc.Append(f)
	}
	for _, r := range m.Reaches {
		f := geojson.NewFeature(r.Line)
		f.ID = "reach:" + r.ID
		f.Properties = geojson.Properties{"kind": "reach", "reach_id": r.ID, "name": r.Name, "status": string(r.Status)}
		fc.Append(f)
	}
	items := []map[string]any{}
	for _, x := range caseItems(v.C) {
		m := map[string]any{"seq": x.Seq, "kind": x.Kind, "ref": x.Ref, "summary_zh": x.Line, "added_by": x.By, "added_at": x.At, "digest": x.Digest}
		if x.Summary != nil {
			m["summary"] = x.Summary
		}
		items = append(items, m)
		if !x.Located {
			continue
		}
		f := geojson.NewFeature(x.Position)
		f.ID = fmt.Sprintf("item:%d", x.Seq)
		f.Properties = geojson.Properties{"kind": string(x.Kind), "seq": x.Seq, "ref_id": x.Ref, "summary_zh": x.Line, "summary": x.Summary}
		fc.Append(f)
	}
	fc.ExtraMembers = geojson.Properties{"case": map[string]any{"id": v.C.ID, "title": v.C.Title, "verdict": v.Trace.Verdict,
		"data_version": v.Trace.DataVersion, "method_version": v.Trace.MethodVersion, "trace_digest": v.Digest,
		"created_at": v.C.CreatedAt, "created_by": v.C.CreatedBy, "items": items}}
	return json.Marshal(fc)
}

// kmlStyles colour the reaches by status and the outfalls by role (KML
// colours are aabbggrr).
var kmlStyles = []kmlStyle{
	{ID: "suspect", Line: &kmlLine{Color: "ff025fd9", Width: 4}},
	{ID: "cleared", Line: &kmlLine{Color: "ff779e1b", Width: 3}},
	{ID: "unexplained", Line: &kmlLine{Color: "ff94327b", Width: 5}},
	{ID: "station", Icon: &kmlIcon{Color: "ff000000", Scale: 1.2}},
	{ID: "outfall-suspect", Icon: &kmlIcon{Color: "ff2b18b2", Scale: 1}},
	{ID: "outfall-insufficient", Icon: &kmlIcon{Color: "ff94327b", Scale: 0.9}},
	{ID: "outfall-ruled_out", Icon: &kmlIcon{Color: "ff999999", Scale: 0.8}},
	{ID: "item-petition", Icon: &kmlIcon{Color: "ff0095ff", Scale: 0.9}},
	{ID: "item-dumping_report", Icon: &kmlIcon{Color: "ff13458b", Scale: 0.9}},
	{ID: "item-inspection", Icon: &kmlIcon{Color: "ffb48246", Scale: 0.9}},
	{ID: "item-sensor_anomaly", Icon: &kmlIcon{Color: "ff3c14dc", Scale: 0.9}},
}

type kmlDoc struct {
	XMLName xml.Name `xml:"http://www.opengis.net/kml/2.2 kml"`
	Doc     struct {
		Name       string         `xml:"name"`
		Desc       string         `xml:"description"`
		Styles     []kmlStyle     `xml:"Style"`
		Placemarks []kmlPlacemark `xml:"Placemark"`
	} `xml:"Document"`
}

type kmlStyle struct {
	ID   string   `xml:"id,attr"`
	Line *kmlLine `xml:"LineStyle,omitempty"`
	Icon *kmlIcon `xml:"IconStyle,omitempty"`
}

type kmlLine struct {
	Color string  `xml:"color"`
	Width float64 `xml:"width"`
}

type kmlIcon struct {
	Color string  `xml:"color"`
	Scale float64 `xml:"scale"`
}

type kmlPlacemark struct {
	Name  string `xml:"name"`
	Desc  string `xml:"description,omitempty"`
	Style string `xml:"styleUrl"`
	Point *struct {
		Coords string `xml:"coordinates"`
	} `xml:"Point,omitempty"`
	Line *struct {
		Coords string `xml:"coordinates"`
	} `xml:"LineString,omitempty"`
}

func kmlCoords(ps ...orb.Point) string {
	var b bytes.Buffer
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s,%s", strconv.FormatFloat(p[0], 'f', -1, 64), strconv.FormatFloat(p[1], 'f', -1, 64))
	}
	return b.String()
}

func kmlPoint(name, desc, style string, p orb.Point) kmlPlacemark {
	pm := kmlPlacemark{Name: name, Desc: desc, Style: "#" + style}
	pm.Point = &struct {
		Coords string `xml:"coordinates"`
	}{kmlCoords(p)}
	return pm
}

// kml is the trace map for Google Earth and GIS: reaches by status,
// station and outfalls, and the case's items that have a position.
func kml(v *view) ([]byte, error) {
	var d kmlDoc
	m := v.Trace.Map
	d.Doc.Name = v.C.ID + " " + v.C.Title
	d.Doc.Desc = "判定：" + verdictZH(v.Trace.Verdict) + "；資料版本 " + v.Trace.DataVersion
	d.Doc.Styles = kmlStyles
	d.Doc.Placemarks = append(d.Doc.Placemarks, kmlPoint("測站 "+v.Trace.Inputs.Station, "", "station", m.Station))
	for _, o := range m.Outfalls {
		name := o.Name + "（排除）"
		if o.Role == "suspect" {
			name = fmt.Sprintf("#%d %s", o.Rank, o.Name)
		}
		d.Doc.Placemarks = append(d.Doc.Placemarks, kmlPoint(name, o.FacilityID+" 排放口 "+o.Outfall, "outfall-"+o.Role, o.Position))
	}
	for _, r := range m.Reaches {
		pm := kmlPlacemark{Name: r.ID + " " + r.Name, Desc: statusZH(r.Status), Style: "#" + string(r.Status)}
		pm.Line = &struct {
			Coords string `xml:"coordinates"`
		}{kmlCoords(r.Line...)}
		d.Doc.Placemarks = append(d.Doc.Placemarks, pm)
	}
	for _, x := range caseItems(v.C) {
		if x.Located {
			d.Doc.Placemarks = append(d.Doc.Placemarks, kmlPoint(fmt.Sprintf("%d %s %s", x.Seq, kindZH[x.Kind], x.Ref), x.Line, "item-"+string(x.Kind), x.Position))
		}
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", " ")
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("casefile: kml: %w", err)
	}
	return buf.Bytes(), nil
}
