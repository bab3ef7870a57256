package casefile

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/casework"
	"github.com/envtrace/envtrace/tracing/baseline"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// report is the printable A4 report: the map, the tables, the method
// statement and the data snapshot, in Traditional Chinese.
func report(v *view) ([]byte, error) {
	data := struct {
		*view
		Map      mapSVG
		Evidence []casework.EvidenceReading
		Screen   []casework.EvidenceReading
		Related  []related
	}{view: v, Map: drawMap(v.Trace.Map), Related: relatedItems(v.C)}
	for _, r := range v.Trace.Readings {
		if r.Grade == casework.GradeEvidence {
			data.Evidence = append(data.Evidence, r)
		} else {
			data.Screen = append(data.Screen, r)
		}
	}
	var buf bytes.Buffer
	if err := reportTmpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("casefile: report: %w", err)
	}
	return buf.Bytes(), nil
}

// related is one item of the case other than a trace, as the report
// lists it.
type related struct {
	Seq    int
	Kind   string
	Ref    string
	Text   string
	By     string
	At     time.Time
	Digest string
}

// kindZH names the kinds of item held besides traces.
var kindZH = map[casework.Kind]string{
	casework.KindPetition: "陳情", casework.KindSensorAnomaly: "感測異常", casework.KindDumping: "棄置通報",
	casework.KindInspection: "稽查紀錄", casework.KindNGOReport: "民間團體報告",
}

// relatedItems lists the case's items other than traces: references by
// their id (their public summary stays in the case's JSON), civil-society
// reports with their title and text.
func relatedItems(c *casework.Case) []related {
	var out []related
	for _, it := range c.Items {
		r := related{Seq: it.Seq, Kind: kindZH[it.Kind], By: it.AddedBy, At: it.AddedAt, Digest: it.Digest}
		switch b := it.Body.(type) {
		case *casework.RefItem:
			r.Ref = b.RefID
		case *casework.NGOReport:
			r.Ref, r.Text = b.Title, b.Text
		default:
			continue
		}
		out = append(out, r)
	}
	return out
}

// mapSVG is the trace map drawn for print: reaches by status, the station
// and the outfalls named, in a local equirectangular projection.
type mapSVG struct {
	W, H     float64
	Reaches  []svgPath
	Station  svgPoint
	Outfalls []svgOutfall
}

type svgPath struct {
	D      string
	Status string
}

type svgPoint struct{ X, Y float64 }

type svgOutfall struct {
	svgPoint
	Label string
	Role  string
}

// drawMap projects the map into a 700 × 440 box with a 20-unit margin.
func drawMap(m casework.TraceMap) mapSVG {
	const w, h, pad = 700.0, 440.0, 20.0
	b := orb.Bound{Min: m.Station, Max: m.Station}
	for _, r := range m.Reaches {
		for _, p := range r.Line {
			b = b.Extend(p)
		}
	}
	for _, o := range m.Outfalls {
		b = b.Extend(o.Position)
	}
	kx := math.Cos(b.Center()[1] * math.Pi / 180)
	dx, dy := math.Max((b.Max[0]-b.Min[0])*kx, 1e-6), math.Max(b.Max[1]-b.Min[1], 1e-6)
	s := math.Min((w-2*pad)/dx, (h-2*pad)/dy)
	pt := func(p orb.Point) svgPoint {
		return svgPoint{X: math.Round((pad+(p[0]-b.Min[0])*kx*s)*10) / 10, Y: math.Round((h-pad-(p[1]-b.Min[1])*s)*10) / 10}
	}
	out := mapSVG{W: w, H: h, Station: pt(m.Station)}
	for _, r := range m.Reaches {
		var sb strings.Builder
		for i, p := range r.Line {
			q := pt(p)
			if i == 0 {
				fmt.Fprintf(&sb, "M%g %g", q.X, q.Y)
			} else {
				fmt.Fprintf(&sb, "L%g %g", q.X, q.Y)
			}
		}
		out.Reaches = append(out.Reaches, svgPath{D: sb.String(), Status: string(r.Status)})
	}
	for _, o := range m.Outfalls {
		label := "×"
		if o.Role == "suspect" {
			label = fmt.Sprint(o.Rank)
		}
		out.Outfalls = append(out.Outfalls, svgOutfall{svgPoint: pt(o.Position), Label: label, Role: o.Role})
	}
	return out
}

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"tw": twTime, "roc": rocDate, "verdict": verdictZH, "status": statusZH, "grade": gradeZH,
	"num": func(v float64, d int) string {
		if v == 0 {
			return "0"
		}
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.*f", d, v), "0"), ".")
	},
	"cover": func(e suspect.Evidence) string {
		switch {
		case e.PermitCovers:
			return "許可證管制此項目"
		case e.ProfileCovers:
			return "行業別會排放（許可證未管制）"
		}
		return "許可證與行業別皆未涵蓋"
	},
	"upVerdict": func(v string) string {
		switch v {
		case "clean":
			return "乾淨（排除上游）"
		case "dirty":
			return "偏高（嫌疑在上游）"
		case "not_comparable":
			return "時間不相符，不可比較"
		}
		return v
	},
	"deref": func(p *float64) float64 { return *p },
	"flowSource": func(s string) string {
		switch s {
		case "given":
			return "輸入值"
		case "measured with a reading at the station":
			return "測站同時量測"
		case "median of flows measured at the station":
			return "測站流量中位數"
		}
		return s
	},
	"window": func(w baseline.Window) string {
		switch w {
		case baseline.Season:
			return "同季前後 45 日"
		case baseline.Year:
			return "前 365 日"
		}
		return string(w)
	},
	"statuses": func() []casework.ReachStatus {
		return []casework.ReachStatus{casework.ReachSuspect, casework.ReachCleared, casework.ReachUnexplained}
	},
}).Parse(reportHTML))

const reportHTML = `<!doctype html>
<html lang="zh-Hant-TW">
<head>
<meta charset="utf-8">
<title>河川污染溯源案件報告 {{.C.ID}}</title>
<style>
@page { size: A4; margin: 15mm 14mm; }
body { font-family: "Noto Sans CJK TC", "Noto Sans TC", "Microsoft JhengHei", sans-serif; font-size: 10pt; color: #111; margin: 0; }
h1 { font-size: 16pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #444; page-break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 2mm; page-break-inside: auto; }
th, td { border: 1px solid #777; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; }
tr { page-break-inside: avoid; }
td.num { text-align: right; white-space: nowrap; }
.meta td:first-child { width: 28%; background: #f6f6f6; }
.verdict { font-size: 12pt; font-weight: bold; padding: 2mm; border: 2px solid #111; margin: 2mm 0; }
.small { font-size: 8.5pt; color: #333; }
svg { width: 100%; height: auto; border: 1px solid #777; }
.r-suspect { stroke: #d95f02; stroke-width: 3; fill: none; }
.r-cleared { stroke: #1b9e77; stroke-width: 2; stroke-dasharray: 6 4; fill: none; }
.r-unexplained { stroke: #7b3294; stroke-width: 4; fill: none; }
.legend span { display: inline-block; margin-right: 5mm; }
.sw { display: inline-block; width: 10mm; height: 0; border-top: 3px solid; vertical-align: middle; margin-right: 1mm; }
.sw.suspect { border-color: #d95f02; } .sw.cleared { border-color: #1b9e77; border-top-style: dashed; } .sw.unexplained { border-color: #7b3294; }
.digest { font-family: "Noto Sans Mono CJK TC", monospace; font-size: 8pt; word-break: break-all; }
</style>
</head>
<body>
<h1>河川污染溯源案件報告</h1>
<table class="meta">
<tr><td>案件編號</td><td>{{.C.ID}}</td></tr>
<tr><td>案件名稱</td><td>{{.C.Title}}</td></tr>
<tr><td>建立者</td><td>{{.C.CreatedBy}}</td></tr>
<tr><td>建立時間</td><td>{{tw .C.CreatedAt}}　{{roc .C.CreatedAt}}</td></tr>
</table>

<h2>一、追查之水質讀值</h2>
<table class="meta">
<tr><td>測站</td><td>{{.Trace.Inputs.Station}}</td></tr>
<tr><td>項目</td><td>{{.Trace.Inputs.Parameter}}</td></tr>
<tr><td>測值</td><td>{{num .Trace.Inputs.Value 4}} {{.Trace.Inputs.Unit}}</td></tr>
<tr><td>採樣時間</td><td>{{tw .Trace.Inputs.Time}}　{{roc .Trace.Inputs.Time}}</td></tr>
<tr><td>背景值（中位數）</td><td>{{num .Res.Observation.Background 4}} {{.Res.Observation.Unit}}</td></tr>
<tr><td>測站正常範圍</td><td id="baseline">{{with .Res.Baseline}}{{if and .Lower .Upper}}{{num (deref .Lower) 4}}～{{num (deref .Upper) 4}} {{$.Res.Observation.Unit}}（{{window .Window}}，{{.N}} 筆）{{else}}歷史資料不足（{{.N}} 筆），無法界定正常範圍{{end}}{{end}}</td></tr>
{{with .Res.Standard}}<tr><td>水體分類標準</td><td id="standard">{{.Class}}類：{{if .Min}}≥ {{num .Min 4}} {{end}}{{if .Max}}≤ {{num .Max 4}} {{end}}{{.Unit}}，{{if .Violated}}未符合{{else}}符合{{end}}</td></tr>
{{end}}<tr><td>河川流量</td><td>{{if .Res.Observation.FlowSource}}{{num .Res.Observation.FlowM3s 3}} m³/s（{{flowSource .Res.Observation.FlowSource}}）{{else}}—{{end}}</td></tr>
<tr><td>超量負荷</td><td>{{num .Res.Observation.ExcessKgDay 2}} kg/日</td></tr>
<tr><td>追查範圍</td><td>上游流達時間 {{num .Trace.Inputs.MaxHours 1}} 小時內</td></tr>
</table>
<div class="verdict" id="verdict">判定：{{verdict .Trace.Verdict}}</div>
<p id="reason">{{.Res.Reason}}{{if eq (len .Res.Unexplained.Between) 2}}　區段：{{index .Res.Unexplained.Between 0}} 至 {{index .Res.Unexplained.Between 1}}。{{end}}</p>
{{if .Res.Warnings}}<ul class="small" id="warnings">{{range .Res.Warnings}}<li>{{.}}</li>{{end}}</ul>{{end}}

<h2>二、溯源地圖</h2>
<svg viewBox="0 0 {{.Map.W}} {{.Map.H}}" role="img" aria-label="溯源地圖">
{{range .Map.Reaches}}<path class="r-{{.Status}}" d="{{.D}}"/>
{{end}}<circle cx="{{.Map.Station.X}}" cy="{{.Map.Station.Y}}" r="7" fill="none" stroke="#111" stroke-width="3"/>
{{range .Map.Outfalls}}<g><circle cx="{{.X}}" cy="{{.Y}}" r="8" fill="{{if eq .Role "suspect"}}#b2182b{{else}}#999{{end}}"/><text x="{{.X}}" y="{{.Y}}" dy="3.5" text-anchor="middle" font-size="10" fill="#fff">{{.Label}}</text></g>
{{end}}</svg>
<p class="legend small">{{range statuses}}<span><i class="sw {{.}}"></i>{{status .}}</span>{{end}}<span>◎ 追查測站</span><span>● 嫌疑排放口（數字為排名）</span></p>

<h2>三、嫌疑對象</h2>
{{if .Res.Suspects}}<table id="suspects">
<thead><tr><th>排名</th><th>事業（管制編號）</th><th>分數</th><th>距離／流達</th><th>推估排放時段</th><th>所需／許可負荷 (kg/日)</th><th>所需放流濃度／限值</th><th>涵蓋</th><th>歷次超標</th></tr></thead>
<tbody>{{range .Res.Suspects}}<tr>
<td class="num">{{.Rank}}</td><td>{{.Name}}<br><span class="small">{{.FacilityID}} · {{.Evidence.Industry}} · 排放口 {{.Evidence.Outfall}}</span></td>
<td class="num">{{num .Score 3}}</td><td class="num">{{num .DistanceKm 1}} km<br>{{num .TravelHours 1}} 小時</td>
<td>{{tw .Evidence.DischargeWindow.From}}<br>至 {{tw .Evidence.DischargeWindow.To}}</td>
<td class="num">{{num .Evidence.RequiredLoadKgDay 1}} / {{num .Evidence.PermittedLoadKgDay 1}}{{if .Evidence.LoadRatio}}<br>×{{num .Evidence.LoadRatio 1}}{{end}}</td>
<td class="num">{{num .Evidence.RequiredConcMgL 2}} / {{if .Evidence.PermitLimit}}{{num (deref .Evidence.PermitLimit) 3}}{{else}}—{{end}}</td>
<td>{{cover .Evidence}}</td>
<td>{{.Evidence.ExceedancesParam}}{{range .Evidence.ExceedancePeriods}}<br><span class="small">{{.}}</span>{{end}}</td>
</tr>{{end}}</tbody></table>
<p class="small">分數因子：涵蓋 × 負荷比 × 違規紀錄 × 距離 × 上游測站比對。僅於判定為「可由許可排放源解釋」時排名。</p>
{{else}}<p id="suspects-none">本案不指認任何排放源。</p>{{end}}
{{if .Res.Insufficient}}<p class="small" id="insufficient">不足以解釋全部負荷（不排名）{{len .Res.Insufficient}} 家：{{range $i, $s := .Res.Insufficient}}{{if $i}}、{{end}}{{$s.Name}}（{{$s.FacilityID}}；{{$s.Evidence.Reason}}）{{end}}</p>{{end}}
{{if .Res.RuledOut}}<p class="small">已排除 {{len .Res.RuledOut}} 家：{{range $i, $s := .Res.RuledOut}}{{if $i}}、{{end}}{{$s.Name}}（{{$s.FacilityID}}）{{end}}</p>{{end}}

<h2>四、上游測站比對</h2>
{{if .Res.Upstream}}<table><thead><tr><th>測站</th><th>流達時間</th><th>採樣時間</th><th>測值</th><th>背景值</th><th>判讀</th></tr></thead>
<tbody>{{range .Res.Upstream}}<tr><td>{{.Station}}</td><td class="num">{{num .TravelHours 1}} 小時</td><td>{{tw .Time}}</td><td class="num">{{num .Value 4}}</td><td class="num">{{num .Background 4}}</td><td>{{upVerdict .Verdict}}</td></tr>{{end}}</tbody></table>
{{else}}<p>上游無同時段之測站讀值。</p>{{end}}

<h2>五、證據資料與篩檢資料</h2>
<p class="small">可供執法之證據：具樣品編號、以環境部公告方法（NIEA）經認可實驗室分析，且品保判定有效之採樣。其餘（連續自動監測、例行監測或缺少紀錄者）屬篩檢資料，僅供指引稽查方向。</p>
<h3>可供執法之證據</h3>
{{if .Evidence}}<table id="evidence"><thead><tr><th>測站</th><th>時間</th><th>項目／測值</th><th>樣品編號</th><th>方法</th><th>實驗室／認可</th><th>品保</th></tr></thead>
<tbody>{{range .Evidence}}<tr><td>{{.Station}}</td><td>{{tw .Time}}</td><td>{{.Parameter}} {{num .Value 4}} {{.Unit}}</td><td>{{.SampleID}}</td><td>{{.Method}}</td><td>{{.Lab}}<br><span class="small">{{.Accreditation}}</span></td><td>{{.QA}}</td></tr>{{end}}</tbody></table>
{{else}}<p>無。</p>{{end}}
<h3>篩檢資料</h3>
{{if .Screen}}<table id="screening"><thead><tr><th>測站</th><th>時間</th><th>項目／測值</th><th>缺少</th></tr></thead>
<tbody>{{range .Screen}}<tr><td>{{.Station}}（{{.StationKind}}）</td><td>{{tw .Time}}</td><td>{{.Parameter}} {{num .Value 4}} {{.Unit}}</td><td class="small">{{.GradeReason}}</td></tr>{{end}}</tbody></table>
{{else}}<p>無。</p>{{end}}

<h2>六、方法說明</h2>
<p>本報告以 envtrace 溯源引擎（方法版本 {{if .Trace.MethodVersion}}{{.Trace.MethodVersion}}{{else}}未標示{{end}}）產生。引擎先以該測站同季（前後 45 日）之歷史讀值（中位數 ± 3.5 倍穩健離散度）判斷讀值是否異常；於正常範圍內者，或該項目無法溯源者，不指認任何對象。讀值異常時，將超出背景值之負荷（超量濃度 × 河川流量；溶氧為氧虧，以 Streeter–Phelps 模式換算）沿河網向上游回推至流達時間範圍內之各排放口，並依一階衰減還原（重金屬視為保守性物質）。僅能承載該負荷（以許可水量、取水量或處理容量之最大者計）之排放源方予排名，分數為五項因子相乘：是否涵蓋該項目（許可限值或行業別）、所需與許可負荷之比、違規紀錄、距離，以及上游測站於同一水體通過時之讀值（乾淨者排除其上游）。無任何許可排放源足以解釋時，判定為未解釋、不排名任何事業，並指出兩測站間之區段。判定僅為稽查之優先順序，不構成違規之認定。</p>

{{if or .Related .C.Referrals}}<h2>七、案件關聯紀錄</h2>
{{if .Related}}<table id="related"><thead><tr><th>序</th><th>類別</th><th>編號／標題</th><th>加入者</th><th>加入時間</th><th>摘要 (SHA-256)</th></tr></thead>
<tbody>{{range .Related}}<tr><td>{{.Seq}}</td><td>{{.Kind}}</td><td>{{.Ref}}{{if .Text}}<br><span class="small">{{.Text}}</span>{{end}}</td><td>{{.By}}</td><td>{{tw .At}}</td><td class="digest">{{.Digest}}</td></tr>{{end}}</tbody></table>
<p class="small">陳情、感測異常、棄置通報與稽查紀錄僅以編號引用並保存其公開摘要，不含陳情人或通報人之個人資料。</p>{{end}}
{{if .C.Referrals}}<table id="referrals"><thead><tr><th>序</th><th>移出</th><th>移入</th><th>理由</th><th>移送者</th><th>時間</th></tr></thead>
<tbody>{{range .C.Referrals}}<tr><td>{{.Seq}}</td><td>{{if .From}}{{.From}}{{else}}中央{{end}}</td><td>{{.To}}</td><td>{{.Reason}}</td><td>{{.By}}</td><td>{{tw .At}}</td></tr>{{end}}</tbody></table>{{end}}
{{end}}
<h2>{{if or .Related .C.Referrals}}八{{else}}七{{end}}、資料快照</h2>
<table class="meta">
<tr><td>資料版本 (data_version)</td><td class="digest">{{if .Trace.DataVersion}}{{.Trace.DataVersion}}{{else}}未標示{{end}}</td></tr>
<tr><td>追查紀錄摘要 (SHA-256)</td><td class="digest">{{.Digest}}</td></tr>
<tr><td>嫌疑／不足以解釋／排除／上游測站</td><td>{{len .Res.Suspects}}／{{len .Res.Insufficient}}／{{len .Res.RuledOut}}／{{len .Res.Upstream}}</td></tr>
</table>
<p class="small">本報告之 SHA-256 摘要記錄於案件之匯出紀錄（GET /api/v1/cases/{{.C.ID}}），可據以核對列印本。</p>
</body>
</html>
`
