package inspection

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/envtrace/envtrace/tracing/risk"
)

// The portal as a page: Traditional Chinese, one ECHO-style chart per
// permit, outfall and parameter (each reported value against its limit,
// exceedances in red), the compliance quarters, why the facility is on a
// list from its own record, the monitoring nearby and its self-reports
// with their decisions. Times are in Asia/Taipei.

// chart is one effluent chart drawn as inline SVG: a point per reported
// value (red when it exceeds a limit), a dashed line per limit.
type chart struct {
	Title  string
	Unit   string
	Limits []limitLine
	Points []chartPoint
	First  string
	Last   string
	Max    string
}

type limitLine struct {
	Y     float64
	Label string
}

type chartPoint struct {
	X, Y     float64
	Exceeded bool
	Label    string
}

const (
	chartW, chartH = 600.0, 160.0
	chartPad       = 24.0
)

// charts groups the effluent points by permit, outfall and parameter, a
// report once however many limits it was held to, oldest first.
func (p *Portal) charts() []chart {
	type key struct{ permit, outfall, parameter string }
	groups := map[key][]EffluentPoint{}
	var keys []key
	for _, e := range p.Effluent {
		k := key{e.Permit, e.Outfall, e.Parameter}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], e)
	}
	out := make([]chart, 0, len(keys))
	for _, k := range keys {
		out = append(out, drawChart(k.permit, k.outfall, k.parameter, groups[k]))
	}
	return out
}

func drawChart(permit, outfall, parameter string, pts []EffluentPoint) chart {
	type report struct {
		end      string
		value    float64
		exceeded bool
	}
	var reports []report
	at := map[string]int{}
	limits := map[float64]bool{}
	top := 0.0
	for _, e := range pts {
		limits[e.Limit] = true
		top = math.Max(top, math.Max(e.Reported, e.Limit))
		i, ok := at[e.PeriodEnd]
		if !ok {
			i = len(reports)
			at[e.PeriodEnd] = i
			reports = append(reports, report{end: e.PeriodEnd, value: e.Reported})
		}
		reports[i].exceeded = reports[i].exceeded || e.Status == "exceeded"
	}
	sort.SliceStable(reports, func(a, b int) bool { return reports[a].end < reports[b].end })
	if !(top > 0) {
		top = 1
	}
	y := func(v float64) float64 { return chartH - chartPad - (chartH-2*chartPad)*v/(top*1.1) }
	c := chart{Title: parameter, Unit: pts[0].Unit, First: reports[0].end, Last: reports[len(reports)-1].end, Max: num(top * 1.1)}
	if outfall != "" {
		c.Title += "・放流口 " + outfall
	}
	c.Title += "・" + permit
	for l := range limits {
		c.Limits = append(c.Limits, limitLine{Y: y(l), Label: "限值 " + num(l)})
	}
	sort.Slice(c.Limits, func(a, b int) bool { return c.Limits[a].Y < c.Limits[b].Y })
	for i, r := range reports {
		x := chartPad + (chartW-2*chartPad)*0.5
		if len(reports) > 1 {
			x = chartPad + (chartW-2*chartPad)*float64(i)/float64(len(reports)-1)
		}
		c.Points = append(c.Points, chartPoint{X: x, Y: y(r.value), Exceeded: r.exceeded,
			Label: fmt.Sprintf("%s 申報 %s %s", r.end, num(r.value), c.Unit)})
	}
	return c
}

// num writes a reading or limit with four significant digits, and a
// large one (conductivity in µS/cm, flows in CMD) in whole units rather
// than with an exponent (12,345 would print 1.234e+04).
func num(v float64) string {
	if math.Abs(v) >= 1e4 {
		return whole(v)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// whole writes v rounded to a whole number with thousands separators:
// penalties in New Taiwan dollars as a notice states them (60,000, where
// four significant digits would print 6e+04), and large readings.
func whole(v float64) string {
	d := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	var b strings.Builder
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

var portalZH = map[string]string{
	"in compliance": "合規", "some non-compliance": "部分季度未合規", "significant non-compliance": "嚴重未合規（12 季中 3 季以上）",
	StatusSubmitted: "審查中", StatusAccepted: "已接受", StatusRejected: "已退回",
	KindMonitoring: "自主監測申報", KindCorrective: "改善措施",
	PlaceRiverStation: "河川水質測站", PlaceSensor: "微型感測器", PlaceAirMonitor: "空氣品質測站",
	BasisDownstream: "放流口下游（沿河道）", BasisStraightLine: "直線距離（本廠放流口不在河川網路上）",
	risk.TermIndustry: "行業風險等級", risk.TermWaterPermit: "水污許可查核發現", risk.TermAirPermit: "空污許可查核發現",
	risk.TermCompliance: "未合規季數", risk.TermSinceInspection: "距上次稽查年數",
	"compliant": "合格", "exceeded": "超標", "undecidable": "無法判定",
}

// portalStyle is the page's one style sheet, inline so that the page
// stands alone (printed, saved, or opened from the map).
const portalStyle = `
body{font-family:"Noto Sans CJK TC","Noto Sans TC","Microsoft JhengHei",sans-serif;margin:1.5em;max-width:1100px;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.4em;border-bottom:2px solid #2a6f97}
table{border-collapse:collapse;width:100%;margin-bottom:1em}th,td{border:1px solid #999;padding:4px 6px;vertical-align:top;font-size:11pt;text-align:left}
th{background:#eef3f7}.scroll{overflow-x:auto}.note{font-size:10pt;color:#555}
.status{display:inline-block;padding:4px 10px;border-radius:4px;background:#2e7d32;color:#fff}.status.bad{background:#c62828}.status.some{background:#ef6c00}
.quarters{display:flex;flex-wrap:wrap;gap:3px}.q{flex:1 0 4.5em;text-align:center;font-size:9pt;padding:4px 0;background:#c8e6c9}.q.nc{background:#ef9a9a}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px}.chart{border:1px solid #ccc;padding:6px}
.chart h3{font-size:10pt;margin:0 0 4px}svg{width:100%;height:auto}
.accepted{color:#2e7d32}.rejected{color:#c62828}.submitted{color:#ef6c00}
@media (max-width:700px){body{margin:.6em}th,td{font-size:10pt;padding:3px}}
`

// PortalStyleHash is the Content-Security-Policy hash source of the
// page's style sheet ('sha256-…'): the map opens the page from a blob URL
// that keeps the map's policy, which lets this style sheet in by its hash
// and no other inline style.
func PortalStyleHash() string {
	sum := sha256.Sum256([]byte(portalStyle))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

var portalPage = template.Must(template.New("portal").Funcs(template.FuncMap{
	"zh":         func(s string) string { return zhOr(s) },
	"num":        num,
	"whole":      whole,
	"industryZH": industryZH,
	"tw":         func(t time.Time) string { return t.In(Taipei).Format("2006-01-02 15:04") },
	"date": func(s *string) string {
		if s == nil {
			return "無資料"
		}
		return *s
	},
	"km": func(m float64) string { return strconv.FormatFloat(m/1000, 'f', 1, 64) },
	"m":  func(km float64) float64 { return km * 1000 },
	"hm": func(s string) string {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.In(Taipei).Format("2006-01-02 15:04")
		}
		return s
	},
}).Parse(`<!doctype html>
<html lang="zh-Hant-TW"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>事業自主管理專區 {{.P.Name}}</title>
<style>` + portalStyle + `</style></head><body>
<h1>事業自主管理專區：{{.P.Name}}（{{.P.FacilityID}}）</h1>
<p>行業：{{industryZH .P.Industry}}；資料基準時間 {{hm .P.AsOf}}（臺北時間）</p>
<h2>合規狀態</h2>
<p><span class="status{{if eq .P.Status "significant non-compliance"}} bad{{else if eq .P.Status "some non-compliance"}} some{{end}}" id="status">{{zh .P.Status}}</span></p>
<div class="quarters">{{range .P.Quarters}}<div class="q{{if .NonCompliance}} nc{{end}}">{{.Start}}</div>{{end}}</div>
<p class="note">紅色為未合規季度：該季有申報值超過許可限值，或稽查發現違規（依 ECHO 計算方式）。</p>
<h2>許可證</h2>
<div class="scroll"><table><tr><th>許可證字號</th><th>有效期間</th><th>核准最大日排放量（m³/日）</th></tr>
{{range .P.Permits}}<tr><td>{{.PerNo}}</td><td>{{.ValidFrom}} 至 {{.ValidTo}}</td><td>{{num .MaxDailyM3}}</td></tr>{{end}}</table></div>
<h2>申報值與許可限值</h2>
<div class="charts" id="charts">{{range .Charts}}<div class="chart"><h3>{{.Title}}（{{.Unit}}）</h3>
<svg viewBox="0 0 600 160" role="img" aria-label="{{.Title}}">
<line x1="24" y1="136" x2="576" y2="136" stroke="#999"/><text x="26" y="14" font-size="13" fill="#555">{{.Max}}</text>
{{range .Limits}}<line x1="24" y1="{{.Y}}" x2="576" y2="{{.Y}}" stroke="#c62828" stroke-dasharray="6 4"/><text x="576" y="{{.Y}}" dy="-3" font-size="13" fill="#c62828" text-anchor="end">{{.Label}}</text>{{end}}
{{range .Points}}<circle cx="{{.X}}" cy="{{.Y}}" r="3.5" fill="{{if .Exceeded}}#c62828{{else}}#2a6f97{{end}}"><title>{{.Label}}</title></circle>{{end}}
<text x="24" y="156" font-size="13" fill="#555">{{.First}}</text><text x="576" y="156" font-size="13" fill="#555" text-anchor="end">{{.Last}}</text>
</svg></div>{{end}}</div>
<h2>列入稽查名單的原因（僅依本事業自身紀錄）</h2>
<div class="scroll"><table><tr><th>項目</th><th>數值</th><th>權重</th><th>貢獻</th><th>資料日期</th></tr>
{{range .P.Why}}<tr><td>{{zh .Name}}</td><td>{{num .Value}}</td><td>{{num .Weight}}</td><td>{{num .Contribution}}</td><td>{{date .DataDate}}</td></tr>{{end}}</table></div>
<p class="note">模型另有其他訊號計入，依規定不在此顯示。</p>
<h2>稽查紀錄</h2>
<div class="scroll"><table><tr><th>編號</th><th>日期</th><th>發現</th><th>違規</th><th>處分</th></tr>
{{range .P.Inspections}}<tr><td>{{.ID}}</td><td>{{tw .Date}}</td><td>{{range .Findings}}{{.Description}}<br>{{end}}</td><td>{{range .Violations}}{{.Article}} {{.Description}}<br>{{end}}</td><td>{{range .Penalties}}{{.Article}} {{whole .AmountTWD}} 元<br>{{end}}</td></tr>{{end}}</table></div>
<h2 id="nearby-heading">鄰近監測</h2>
<p class="note">河川水質測站：放流口下游沿河道 {{km (m .P.Nearby.StationDownstreamKm)}} 公里內（距離沿河道計）；放流口不在河川網路上者，改列廠址或放流口直線 {{km .P.Nearby.StationRadiusM}} 公里內，並註明；微型感測器與空氣品質測站：廠址 {{km .P.Nearby.AirRadiusM}} 公里內；各項目為基準時間前 {{.P.Nearby.WindowDays}} 日內最新一筆（臺北時間）。</p>
<div class="scroll"><table id="nearby"><tr><th>類別</th><th>測站</th><th>距離（公里）</th><th>最新讀值</th></tr>
{{range .P.Nearby.Places}}<tr><td>{{zh .Kind}}{{if .Basis}}<br><span class="note basis">{{zh .Basis}}</span>{{end}}</td><td>{{.ID}} {{.Name}}{{if .River}}（{{.River}}）{{end}}</td><td>{{km .DistanceM}}</td><td>{{range .Readings}}{{.Parameter}} {{if .Censored}}&lt;{{end}}{{num .Value}} {{.Unit}}（{{hm .Time}}）<br>{{else}}期間內無讀值{{end}}</td></tr>{{end}}</table></div>
<h2>自主申報與改善措施</h2>
<div class="scroll"><table id="self-reports"><tr><th>編號</th><th>類別</th><th>內容</th><th>狀態</th><th>歷程</th></tr>
{{range .P.SelfReports}}<tr><td>{{.ID}}</td><td>{{zh .Kind}}</td><td>{{with .Monitoring}}{{.Permit}} {{.Parameter}} {{num .Value}} {{.Unit}}（採樣 {{tw .SampledAt}}）{{range .Limits}}<br>限值 {{num .Value}} {{.Unit}}：{{zh .Status}}{{end}}{{end}}{{with .Corrective}}稽查 {{.InspectionID}}：{{.Action}}（{{.StartedOn}} 起{{if .CompletedOn}}，{{.CompletedOn}} 完成{{end}}）{{end}}</td>
<td class="{{.Status}}">{{zh .Status}}</td><td>{{range .History}}{{tw .At}} {{zh .Status}}{{if .Reason}}：{{.Reason}}{{end}}<br>{{end}}</td></tr>{{end}}</table></div>
</body></html>
`))

func zhOr(s string) string {
	if z, ok := portalZH[s]; ok {
		return z
	}
	return s
}

// HTML renders the portal as its Traditional Chinese page.
func (p *Portal) HTML() ([]byte, error) {
	var b bytes.Buffer
	err := portalPage.Execute(&b, struct {
		P      *Portal
		Charts []chart
	}{p, p.charts()})
	return b.Bytes(), err
}
