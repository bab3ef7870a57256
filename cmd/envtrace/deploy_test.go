package main

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// composeFile is the part of compose.yaml the checks read.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string          `yaml:"ports"`
		User        string            `yaml:"user"`
		ReadOnly    bool              `yaml:"read_only"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// TestComposeFile checks what docker compose would run, since Docker is
// not available to run it: PostGIS with a health check, a one-shot
// migration after it, and two envtrace replicas after the migration, each
// non-root, read-only, on its own port, on the same database, probed at
// /readyz by a command this binary accepts.
func TestComposeFile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	pg, ok := c.Services["postgis"]
	if !ok || !strings.HasPrefix(pg.Image, "postgis/postgis:15") || !strings.Contains(strings.Join(pg.Healthcheck.Test, " "), "pg_isready") {
		t.Errorf("postgis service: %+v", pg)
	}
	if strings.Contains(string(b), "POSTGRES_PASSWORD: ") && !strings.Contains(string(b), "POSTGRES_PASSWORD: ${") {
		t.Error("the database password is written in compose.yaml; it must come from the environment")
	}
	mig := c.Services["migrate"]
	if !slices.Equal(mig.Command, []string{"db", "migrate"}) || mig.DependsOn["postgis"].Condition != "service_healthy" {
		t.Errorf("migrate service: %+v", mig)
	}
	ports := map[string]bool{}
	db := ""
	for _, name := range []string{"serve-1", "serve-2"} {
		s, ok := c.Services[name]
		if !ok {
			t.Fatalf("no service %s", name)
		}
		if len(s.Command) == 0 || s.Command[0] != "serve" {
			t.Errorf("%s runs %v, want serve", name, s.Command)
		}
		if s.DependsOn["migrate"].Condition != "service_completed_successfully" {
			t.Errorf("%s does not wait for the migration: %+v", name, s.DependsOn)
		}
		if s.User == "" || s.User == "0" || strings.HasPrefix(s.User, "0:") || s.User == "root" || !s.ReadOnly {
			t.Errorf("%s: user %q, read_only %v; want a non-root user and a read-only root file system", name, s.User, s.ReadOnly)
		}
		if !strings.Contains(s.Environment["ENVTRACE_DB"], "@postgis:5432/") {
			t.Errorf("%s: ENVTRACE_DB %q does not name the postgis service", name, s.Environment["ENVTRACE_DB"])
		}
		if db != "" && s.Environment["ENVTRACE_DB"] != db {
			t.Errorf("the replicas use different databases")
		}
		db = s.Environment["ENVTRACE_DB"]
		if len(s.Ports) != 1 || ports[s.Ports[0]] {
			t.Errorf("%s ports %v: want one, not shared", name, s.Ports)
		} else {
			ports[s.Ports[0]] = true
		}
		checkProbeCommand(t, name, s.Healthcheck.Test)
	}
}

// checkProbeCommand checks a health check runs `envtrace probe` on
// /readyz with flags the probe command accepts.
func checkProbeCommand(t *testing.T, where string, test []string) {
	t.Helper()
	if len(test) < 3 || test[0] != "CMD" || filepath.Base(test[1]) != "envtrace" || test[2] != "probe" ||
		!strings.HasSuffix(test[len(test)-1], "/readyz") {
		t.Errorf("%s health check %v: want [CMD .../envtrace probe --url .../readyz]", where, test)
		return
	}
	// Against a port nobody listens on, the probe must fail on the
	// connection, not on its flags (exit 2 is a usage error).
	args := append([]string{"probe"}, test[3:]...)
	args[len(args)-1] = "http://" + freeAddr(t) + "/readyz"
	if code, _, errs := runCmd(t, args...); code != 1 || !strings.Contains(errs, "/readyz") {
		t.Errorf("%s: probe of a closed port: exit %d %s", where, code, errs)
	}
}

// TestDockerfile checks the image: built static from the go.mod's Go
// version, a distroless final stage, a numeric non-root user, the
// health check probing /readyz, and envtrace as the entry point.
func TestDockerfile(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var froms, users []string
	var health, entry, build string
	sc := bufio.NewScanner(f)
	cont := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cont += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		line, cont = cont+line, ""
		word, rest, _ := strings.Cut(line, " ")
		switch strings.ToUpper(word) {
		case "FROM":
			froms = append(froms, rest)
		case "USER":
			users = append(users, rest)
		case "HEALTHCHECK":
			health = rest
		case "ENTRYPOINT":
			entry = rest
		case "RUN":
			if strings.Contains(rest, "go build") {
				build = rest
			}
		}
	}
	if len(froms) < 2 || !strings.Contains(froms[len(froms)-1], "distroless/static") {
		t.Errorf("stages %v: want a build stage and a distroless/static final stage", froms)
	}
	mod, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)`).FindSubmatch(mod)
	if goVersion == nil || !strings.Contains(froms[0], "golang:"+string(goVersion[1])) {
		t.Errorf("build stage %q does not use go.mod's Go version", froms[0])
	}
	if !strings.Contains(build, "CGO_ENABLED=0") || !strings.Contains(build, "./cmd/envtrace") {
		t.Errorf("build %q: want a static build of ./cmd/envtrace", build)
	}
	if len(users) == 0 {
		t.Fatal("no USER: the image would run as root")
	}
	if u := users[len(users)-1]; u == "0" || strings.HasPrefix(u, "0:") || u == "root" || !regexp.MustCompile(`^[1-9][0-9]*(:[0-9]+)?$`).MatchString(u) {
		t.Errorf("USER %q: want a numeric non-root user", u)
	}
	if !strings.Contains(entry, "/usr/local/bin/envtrace") {
		t.Errorf("ENTRYPOINT %q", entry)
	}
	_, cmd, ok := strings.Cut(health, "CMD ")
	var test []string
	if ok && yaml.Unmarshal([]byte(cmd), &test) == nil {
		checkProbeCommand(t, "Dockerfile", append([]string{"CMD"}, test...))
	} else {
		t.Errorf("HEALTHCHECK %q: want CMD [\"/usr/local/bin/envtrace\", \"probe\", ...]", health)
	}
}

// TestProbe runs the probe against a ready demo server.
func TestProbe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addr := freeAddr(t)
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--addr", addr}, &strings.Builder{}, &strings.Builder{}) }()
	defer func() { cancel(); <-done }()
	var code int
	var out, errs string
	for range 600 {
		if code, out, errs = runCmd(t, "probe", "--url", "http://"+addr+"/readyz"); code == 0 {
			break
		}
		select {
		case c := <-done:
			t.Fatalf("serve exited with %d", c)
		case <-time.After(100 * time.Millisecond):
		}
	}
	if code != 0 || !strings.Contains(out, `"ready"`) {
		t.Fatalf("probe of a ready server: exit %d %s %s", code, out, errs)
	}
}
