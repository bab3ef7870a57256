package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/dumping"
)

// TestPersonalDataStaysOutOfPublicAnswersAndLogs submits reports with a
// phone and an e-mail through REST and Open311, reads every public view
// of them (REST, Open311 JSON and XML), and checks that neither contact,
// in clear or masked, nor the exact location appears in any answer or in
// any line the server logged, at debug level.
func TestPersonalDataStaysOutOfPublicAnswersAndLogs(t *testing.T) {
	var logs bytes.Buffer
	cfg := api.Config{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	b, fx := centralBackend(t)
	d := newDumpingArea(t, fx.land, time.Now)
	h := newServer(t, cfg, &withDumping{MemoryBackend: b, area: d.area}).Handler()
	ll, _ := lonLatOn(t, d.rt, "npa-central")
	const phone, email = "0987-654-321", "whistle.blower@example.tw"
	body, _ := json.Marshal(map[string]any{"service_code": "dumping-household", "description": "沙發", "x": ll[0], "y": ll[1], "contact": phone})
	var answers []string
	rec := call(t, h, "POST", "/api/v1/dumping/reports", "application/json", body, "")
	if rec.Code != 201 {
		t.Fatalf("submit: %d %s", rec.Code, rec.Body)
	}
	answers = append(answers, rec.Body.String())
	id := decode[dumping.PublicReport](t, rec.Body.Bytes()).ID
	form := url.Values{"service_code": {"dumping-construction"}, "lat": {ftoa(ll[1] + 0.01)}, "long": {ftoa(ll[0])},
		"description": {"廢磚"}, "email": {email}, "phone": {phone}}
	rec = call(t, h, "POST", "/open311/v2/requests.json", "application/x-www-form-urlencoded", []byte(form.Encode()), "")
	if rec.Code != 201 {
		t.Fatalf("Open311 POST: %d %s", rec.Code, rec.Body)
	}
	answers = append(answers, rec.Body.String())
	for _, target := range []string{"/api/v1/dumping/public/reports", "/api/v1/dumping/public/reports/" + id,
		"/open311/v2/requests.json", "/open311/v2/requests.xml", "/open311/v2/requests/" + id + ".json"} {
		rec := call(t, h, "GET", target, "", nil, "")
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", target, rec.Code, rec.Body)
		}
		answers = append(answers, rec.Body.String())
	}
	forbidden := []string{"654-321", "654321", "whistle", privacy.Mask(phone), privacy.Mask(email),
		strconv.FormatFloat(ll[0], 'f', 5, 64), strconv.FormatFloat(ll[1], 'f', 5, 64)}
	for _, text := range append(answers, logs.String()) {
		for _, s := range forbidden {
			if strings.Contains(text, s) {
				t.Errorf("%q appears in %.300s", s, text)
			}
		}
	}
	if !strings.Contains(logs.String(), "/api/v1/dumping/reports") {
		t.Fatalf("the server logged no request: %.300s", logs.String())
	}
	// The centre still reads the contact in full.
	if rec := call(t, h, "GET", "/api/v1/dumping/reports/"+id+"/contact", "", nil, "k-centre"); !strings.Contains(rec.Body.String(), phone) {
		t.Fatalf("centre: %d %s", rec.Code, rec.Body)
	}
}
