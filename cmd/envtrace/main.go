// Command envtrace is the one binary of envtrace: it parses flags and wires
// the hydro, tracing, gis and api packages together. Run `envtrace help`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/envtrace/envtrace/internal/config"
)

const usage = `envtrace: trace pollution to its source, over river networks and with the wind.

Usage:
  envtrace navigate --network PATH [--layer NAME] (--start ID | --start-point X,Y [--crs EPSG:N])
                    --mode UT|UM|DM|DD [--distance-km D] [--max-hours H] [--no-minor] [--format ids|csv|geojson]
  envtrace snap     --network PATH [--layer NAME] --point X,Y [--crs EPSG:N] [--k N]
  envtrace network check --network PATH [--layer NAME]
  envtrace network basin --start ID [--no-minor] [--network PATH | --data DIR]
  envtrace trace    [--data DIR] --station ID --parameter P --value V --unit U --time T [--flow Q] [--json]
  envtrace check permits [--data DIR] [--json]
  envtrace balance  [--data DIR] --parameter P --from T --to T [--json]
  envtrace serve    [--addr HOST:PORT] [--data DIR [--snapshot-dir DIR] | --db URL [--network-name NAME]
                    (--auth oidc|tokens [--oidc-issuer URL --oidc-audience AUD] | --insecure-demo)]
                    [--rate-limit RPS]
  envtrace token create --db URL --role ROLE [--stations ID,... | --facility ID | --agency ID | --county NAME]
                    [--cases ID,...] [--expires 90d] [--note TEXT]
  envtrace token revoke --db URL ID
  envtrace db migrate --db URL
  envtrace probe    [--url http://127.0.0.1:8080/readyz] [--timeout 3s]
  envtrace import   --db URL [--data DIR] [--network PATH [--layer NAME] [--name NAME]]
  envtrace import wind --format codis --out DIR [--meta meta.csv] FILE...
  envtrace import wind --format o-a0001-001 --out DIR FILE.json...
  envtrace import air  --format esdr --out DIR [--meta esdr_metadata.json] FILE...
  envtrace ingest   --db URL --readings FILE.csv
  envtrace import sensors --format civiliot --out DIR [--json] FILE
  envtrace import cems --db URL [--json] FILE
  envtrace import parcels --db URL --manager-field NAME FILE
  envtrace import farmland --db URL --data DIR
  envtrace route    [--data DIR] --point X,Y [--crs EPSG:N] [--boundary-m M] [--json]
  envtrace odour rank  [--data DIR] --from T --to T [--json]
  envtrace odour trace [--data DIR] --petition ID [--json]
  envtrace farmland impact [--data DIR] (--facility ID --parameter P [--value V --unit U --time T] |
                           --station ID --parameter P --value V --unit U --time T) [--json]
  envtrace farmland alert  (same flags as impact) [--json]
  envtrace farmland accumulation [--data DIR] --from T --to T [--json]
  envtrace air cpf  [--data DIR] --monitor ID --parameter P [--percentile 90] [--sector-deg 10]
                    [--min-speed M] [--json]
  envtrace air anomalies  [--data DIR] --from T --to T [--distance geodesic|course] [--json]
  envtrace air attribute  [--data DIR] --from T --to T [--event DEVICE@TIME] [--distance geodesic|course] [--json]
  envtrace air risk  [--data DIR] --from T --to T [--hex-edge M] [--limit UG_M3] [--json]
  envtrace air calibrate  [--data DIR] --sensor ID --reference ID --day YYYY-MM-DD [--json]
  envtrace hotspots [--data DIR] --signal petitions|sensor-exceedances|violations --method gi|ehsa|scan
                    [--hex-edge M | --areas FILE] [--band M] [--step D] [--from T] [--to T]
                    [--replicates N] [--seed N] [--limit UG_M3] [--json]
  envtrace check air-permits [--data DIR] [--json]
  envtrace case list  --db URL [--limit N] [--json]
  envtrace case show  --db URL ID [--json]
  envtrace case share --db URL ID --principal user:S|county:C|agency:A [--access read|edit]
  envtrace case refer --db URL ID --to COUNTY --reason TEXT
  envtrace inspect rank [--data DIR] --as-of T [--json]
  envtrace inspect plan [--data DIR] --date D --teams N [--per-team K] [--random-share S] [--format csv|geojson|html] [--json]
  envtrace portal show --facility ID [--as-of T] [--data DIR] [--db URL] [--json]
  envtrace portal self-reports --db URL [--facility ID] [--status submitted|accepted|rejected] [--json]
  envtrace audit verify     --db URL [--checkpoint FILE]
  envtrace audit checkpoint --db URL [--checkpoint FILE] [--webhook URL] [--watch [--every D]]
  envtrace audit query      --db URL [--actor A] [--role R] [--action A] [--resource R] [--from T] [--to T]
                            [--allowed true|false] [--after SEQ] [--limit N]
  envtrace privacy rotate-key --db URL [--privacy-key-file FILE] [--new-id ID | --reseal-only]
  envtrace privacy purge    --db URL [--audit-key-file FILE] [--now T]
  envtrace privacy erase    --db URL [--audit-key-file FILE] [--privacy-secret-file FILE] [--privacy-key-file FILE] --contact PHONE_OR_EMAIL

Without --data, trace, check, odour, air, hotspots and route use the embedded
central-Taiwan fixture.

Every command also takes --config FILE (JSON); settings come from defaults,
then the file, then ENVTRACE_* variables, then flags.
`

// exitError carries an exit status with its message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErr marks a command-line mistake (exit status 2).
func usageErr(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, a...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is what a subcommand needs from the process, passed in so tests can
// run commands in-process.
type env struct {
	stdout, stderr io.Writer
	cfg            config.Config
	lookup         func(string) (string, bool)
}

type command func(ctx context.Context, e *env, args []string) error

func commands() map[string]command {
	return map[string]command{
		"navigate": cmdNavigate,
		"snap":     cmdSnap,
		"network":  cmdNetwork,
		"trace":    cmdTrace,
		"check":    cmdCheck,
		"balance":  cmdBalance,
		"serve":    cmdServe,
		"db":       cmdDB,
		"import":   cmdImport,
		"ingest":   cmdIngest,
		"route":    cmdRoute,
		"odour":    cmdOdour,
		"air":      cmdAir,
		"hotspots": cmdHotspots,
		"token":    cmdToken,
		"audit":    cmdAudit,
		"privacy":  cmdPrivacy,
		"farmland": cmdFarmland,
		"probe":    cmdProbe,
		"inspect":  cmdInspect,
		"case":     cmdCase,
		"portal":   cmdPortal,
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	e := &env{stdout: stdout, stderr: stderr, cfg: config.Default(), lookup: os.LookupEnv}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "envtrace: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	rest, err := e.loadConfig(args[1:])
	if err == nil {
		err = cmd(ctx, e, rest)
	}
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "envtrace %s: %v\n", args[0], err)
	var xe *exitError
	if errors.As(err, &xe) {
		return xe.code
	}
	return 1
}

// loadConfig applies --config FILE (or ENVTRACE_CONFIG) and the environment
// before the subcommand's own flags are parsed.
func (e *env) loadConfig(args []string) ([]string, error) {
	path, _ := e.lookup("ENVTRACE_CONFIG")
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--config" || a == "-config":
			if i+1 >= len(args) {
				return nil, usageErr("--config needs a file")
			}
			path = args[i+1]
			i++
		case strings.HasPrefix(a, "--config=") || strings.HasPrefix(a, "-config="):
			path = a[strings.Index(a, "=")+1:]
		default:
			rest = append(rest, a)
		}
	}
	if path != "" {
		if err := e.cfg.LoadFile(path); err != nil {
			return nil, err
		}
	}
	if err := e.cfg.ApplyEnv(e.lookup); err != nil {
		return nil, usageErr("%v", err)
	}
	return rest, nil
}

// flags makes a FlagSet that reports errors instead of exiting.
func (e *env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: 2, err: err}
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	return nil
}
