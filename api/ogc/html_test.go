package ogc_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/api/ogc"
)

// rowsIn counts the data rows of the table with the given id.
func rowsIn(t *testing.T, page, id string) int {
	t.Helper()
	i := strings.Index(page, `<table id="`+id+`">`)
	if i < 0 {
		t.Fatalf("no table #%s in the page", id)
	}
	body := page[i:]
	body = body[strings.Index(body, "<tbody>"):strings.Index(body, "</tbody>")]
	return strings.Count(body, "<tr>")
}

var hrefRE = regexp.MustCompile(`href="([^"]+)"`)

// TestHTMLPages walks the service as a browser user would: from the
// landing page to the collection list, a collection, a page of items, the
// next page and one item, each an HTML page in Traditional Chinese with
// links that stay in HTML, and checks each against the JSON answer.
func TestHTMLPages(t *testing.T) {
	src, net, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{LeafletURL: "/assets/leaflet"})
	browser := []string{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
	page := func(t *testing.T, u string) string {
		t.Helper()
		r := get(t, u, browser...)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %s", u, r.status, r.header.Get("Content-Type"))
		}
		s := string(r.body)
		if !strings.Contains(s, `<html lang="zh-Hant-TW">`) {
			t.Errorf("%s: not a Traditional Chinese page", u)
		}
		return s
	}
	unescape := func(h string) string { return strings.ReplaceAll(h, "&amp;", "&") }

	landing := page(t, srv.URL+"/ogc")
	if !strings.Contains(landing, `href="`+srv.URL+`/ogc/collections?f=html"`) {
		t.Fatalf("landing page does not link the collections as HTML:\n%s", landing)
	}
	cols := page(t, srv.URL+"/ogc/collections?f=html")
	for _, id := range []string{"reaches", "stations", "facilities", "outfalls", "readings-latest"} {
		if !strings.Contains(cols, `href="`+srv.URL+`/ogc/collections/`+id+`?f=html"`) {
			t.Errorf("collection list lacks %s", id)
		}
	}
	col := page(t, srv.URL+"/ogc/collections/readings-latest")
	for _, want := range []string{"<code>station</code>", "<code>parameter</code>", "時間範圍", uri3826} {
		if !strings.Contains(col, want) {
			t.Errorf("readings-latest page lacks %q", want)
		}
	}

	items := page(t, srv.URL+"/ogc/collections/reaches/items?limit=25")
	if n := rowsIn(t, items, "items"); n != 25 {
		t.Errorf("items page has %d rows, want 25", n)
	}
	if want := "共 " + strconv.Itoa(net.Len()) + " 筆"; !strings.Contains(items, want) {
		t.Errorf("items page does not say %q", want)
	}
	if !strings.Contains(items, `<script src="/assets/leaflet/leaflet.js">`) || !strings.Contains(items, `id="map"`) {
		t.Error("items page has no map")
	}
	next := ""
	for _, m := range regexp.MustCompile(`rel="next" href="([^"]+)"`).FindAllStringSubmatch(items, -1) {
		next = unescape(m[1])
	}
	if !strings.Contains(next, "f=html") || !strings.Contains(next, "offset=25") {
		t.Fatalf("next link %q", next)
	}
	second := page(t, next)
	if n := rowsIn(t, second, "items"); n != 25 {
		t.Errorf("second page has %d rows", n)
	}
	// The table lists the same reaches as the GeoJSON page.
	var fc collectionJSON
	get(t, srv.URL+"/ogc/collections/reaches/items?limit=25&offset=25").json(t, &fc)
	for _, f := range fc.Features {
		if !strings.Contains(second, `/ogc/collections/reaches/items/`+f.ID+`?f=html">`+f.ID+`</a>`) {
			t.Errorf("second page lacks reach %s", f.ID)
		}
	}

	item := page(t, srv.URL+"/ogc/collections/facilities/items/L0000001?f=html")
	for _, want := range []string{"<th>permit_no</th><td>P-NEW</td>", "<th>worst_severity</th><td>high</td>", `"type":"Point"`} {
		if !strings.Contains(item, want) {
			t.Errorf("facility page lacks %q", want)
		}
	}
	if n := rowsIn(t, item, "properties"); n < 15 {
		t.Errorf("facility page shows %d properties", n)
	}
	// Every link of every page resolves.
	for _, p := range []string{landing, cols, col, items, item} {
		for _, m := range hrefRE.FindAllStringSubmatch(p, -1) {
			u := unescape(m[1])
			if strings.HasPrefix(u, "/assets/") {
				continue
			}
			if r := get(t, u); r.status != http.StatusOK {
				t.Errorf("link %s: %d", u, r.status)
			}
		}
	}
}

// TestJSONLinksToHTML checks that the JSON documents announce their HTML
// alternates, as OGC API clients and crawlers look for them.
func TestJSONLinksToHTML(t *testing.T) {
	src, _, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{})
	for _, path := range []string{"/ogc", "/ogc/collections", "/ogc/collections/stations/items", "/ogc/collections/stations/items/S1"} {
		var doc struct {
			Links []linkJSON `json:"links"`
		}
		get(t, srv.URL+path).json(t, &doc)
		found := false
		for _, l := range doc.Links {
			if l.Rel == "alternate" && strings.HasPrefix(l.Type, "text/html") && strings.Contains(l.Href, "f=html") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no HTML alternate in %+v", path, doc.Links)
		}
	}
}
