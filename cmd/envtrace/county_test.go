package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDemoStationsCarryCounty: the demo's stations file has no county
// column, so serve locates each station in the fixture's jurisdictions;
// the station list shows the county, and the fixture's stations lie in
// both Taichung and Changhua.
func TestDemoStationsCarryCounty(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addr := freeAddr(t)
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--addr", addr}, &strings.Builder{}, &strings.Builder{}) }()
	defer func() { cancel(); <-done }()
	var res *http.Response
	for range 600 {
		r, err := http.Get("http://" + addr + "/api/v1/stations")
		if err == nil {
			res = r
			break
		}
		select {
		case c := <-done:
			t.Fatalf("serve exited with %d", c)
		case <-time.After(100 * time.Millisecond):
		}
	}
	if res == nil {
		t.Fatal("the server did not answer")
	}
	defer res.Body.Close()
	var list struct {
		Stations []struct {
			ID     string `json:"id"`
			County string `json:"county"`
		} `json:"stations"`
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	counties := map[string]int{}
	for _, s := range list.Stations {
		counties[s.County]++
	}
	if counties["TXG"] == 0 || counties["CHA"] == 0 || len(list.Stations) == 0 {
		t.Errorf("stations by county %v", counties)
	}
}
