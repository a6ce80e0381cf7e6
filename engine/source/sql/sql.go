package sql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stackmap/stackmap/engine/config"
	"github.com/stackmap/stackmap/engine/expr"
	"github.com/stackmap/stackmap/engine/source"

	// The drivers.
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// DefaultTimeout limits one query.
const DefaultTimeout = 30 * time.Second

// Drivers maps the driver names a mapping may use to database/sql's.
var Drivers = map[string]string{"postgres": "pgx", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}

// Spec is the sql source's settings.
type Spec struct {
	Pos     config.Pos        `yaml:"-"`
	Driver  config.String     `yaml:"driver" required:"true" doc:"postgres, mysql, mariadb or sqlite." example:"\"postgres\""`
	DSN     config.Template   `yaml:"dsn" required:"true" doc:"The data source name, a secret: postgres://user:pass@host:5432/db, user:pass@tcp(host:3306)/db or file:cmdb.db (relative to the mapping file). A template." example:"\"{{ $vars.dsn }}\""`
	Query   config.String     `yaml:"query" required:"true" doc:"The SQL, run as written in a read-only transaction; never templated. Placeholders: $1, $2 … for postgres, ? for mysql, mariadb and sqlite." example:"\"SELECT id, hostname FROM servers WHERE site = $1\""`
	Args    []config.Template `yaml:"args" doc:"Values for the query's placeholders, in order; templates." example:"[\"{{ $vars.site }}\"]"`
	Timeout time.Duration     `yaml:"timeout" doc:"Limit for the query, also set on the server so that it stops there too. Default 30s." example:"\"30s\""`
}

func init() {
	source.Register(source.Kind{
		Name:    "sql",
		Doc:     "Reads records from a SQL query on PostgreSQL, MySQL, MariaDB or SQLite; one record per row.",
		NewSpec: func() any { return new(Spec) },
		Build:   build,
	})
}

type fetcher struct {
	driver  string // as the mapping names it
	dir     string
	dsn     *expr.Template
	query   string
	args    []*expr.Template
	timeout time.Duration
}

func build(s *source.Scope, src *config.Source, specAny any) (source.Fetcher, error) {
	spec := specAny.(*Spec)
	var errs config.ErrorList
	f := &fetcher{driver: spec.Driver.Value, dir: src.Dir(), query: spec.Query.Value, timeout: spec.Timeout}
	if _, ok := Drivers[f.driver]; !ok && spec.Driver.Pos.IsValid() {
		errs.Add(spec.Driver.Pos, fmt.Sprintf("unknown driver %q; the drivers are mariadb, mysql, postgres and sqlite", f.driver))
	}
	if spec.Query.Pos.IsValid() && strings.TrimSpace(f.query) == "" {
		errs.Add(spec.Query.Pos, "the query is empty")
	}
	if f.timeout == 0 {
		f.timeout = DefaultTimeout
	}
	var err error
	f.dsn, err = s.Template(spec.DSN)
	errs.Append(spec.DSN.Pos, err)
	for _, a := range spec.Args {
		t, err := s.Template(a)
		errs.Append(a.Pos, err)
		f.args = append(f.args, t)
	}
	return f, errs.Err()
}

// Fetch runs the query and emits one record per row, in batches.
func (f *fetcher) Fetch(ctx context.Context, in *source.Input) error {
	dsn, err := f.dsn.EvalString(ctx, nil, in.Values)
	if err != nil {
		return fmt.Errorf("dsn: %w", err)
	}
	secret := in.Secret
	if secret == nil {
		secret = func(string) {}
	}
	if pw := dsnPassword(f.driver, dsn); pw != "" {
		secret(pw)
	}
	dsn, err = f.prepareDSN(dsn)
	if err != nil {
		return err
	}
	args := make([]any, len(f.args))
	for i, a := range f.args {
		if args[i], err = a.Eval(ctx, nil, in.Values); err != nil {
			return fmt.Errorf("args[%d]: %w", i, err)
		}
		if m, ok := args[i].(map[string]any); ok {
			b, _ := expr.Marshal(m)
			args[i] = string(b) // an object binds as its JSON text
		} else if l, ok := args[i].([]any); ok {
			b, _ := expr.Marshal(l)
			args[i] = string(b)
		}
	}
	db, err := sql.Open(Drivers[f.driver], dsn)
	if err != nil {
		return fmt.Errorf("%s: open %s: %w", f.driver, maskDSN(f.driver, dsn), err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one query, one connection: a mapping holds no pool
	qctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	if err := db.PingContext(qctx); err != nil {
		return f.dbError("connect to "+maskDSN(f.driver, dsn), err, qctx)
	}
	tx, err := db.BeginTx(qctx, &sql.TxOptions{ReadOnly: f.driver != "sqlite"})
	if err != nil {
		return f.dbError("begin a read-only transaction", err, qctx)
	}
	defer tx.Rollback()
	if err := f.serverTimeout(qctx, tx); err != nil {
		return f.dbError("set the statement timeout", err, qctx)
	}
	rows, err := tx.QueryContext(qctx, f.query, args...)
	if err != nil {
		return f.dbError("query", err, qctx)
	}
	defer rows.Close()
	return f.stream(qctx, rows, in)
}

// serverTimeout makes the server itself give up on the query.
func (f *fetcher) serverTimeout(ctx context.Context, tx *sql.Tx) error {
	ms := f.timeout.Milliseconds()
	switch f.driver {
	case "postgres":
		_, err := tx.ExecContext(ctx, fmt.Sprintf("SET LOCAL statement_timeout = %d", ms))
		return err
	case "mariadb":
		_, err := tx.ExecContext(ctx, fmt.Sprintf("SET SESSION max_statement_time = %.3f", f.timeout.Seconds()))
		return err
	case "mysql":
		// MySQL knows max_execution_time (SELECT only), MariaDB
		// max_statement_time; "mysql" may be either.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("SET SESSION max_execution_time = %d", ms)); err == nil {
			return nil
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf("SET SESSION max_statement_time = %.3f", f.timeout.Seconds()))
		return err
	}
	return nil
}

// batchRows is how many rows go to the run at once.
const batchRows = 512

// stream turns rows into records as they arrive.
func (f *fetcher) stream(ctx context.Context, rows *sql.Rows, in *source.Input) error {
	cols, err := rows.ColumnTypes()
	if err != nil {
		return f.dbError("read the columns", err, ctx)
	}
	names := make([]string, len(cols))
	seen := map[string]int{}
	for i, c := range cols {
		names[i] = c.Name()
		if j, dup := seen[names[i]]; dup {
			return fmt.Errorf("columns %d and %d are both named %q; give one an alias (AS …)", j+1, i+1, names[i])
		}
		seen[names[i]] = i
	}
	norm := newNormalizer(f.driver, cols)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	batch := make([]any, 0, batchRows)
	flush := func() error {
		for _, row := range batch {
			recs, err := in.Records(ctx, row)
			if err != nil {
				return err
			}
			if err := in.Emit(recs); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return nil
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return f.dbError("read a row", err, ctx)
		}
		row := make(map[string]any, len(cols))
		for i, v := range vals {
			nv, err := norm.value(i, v)
			if err != nil {
				return fmt.Errorf("column %q: %w", names[i], err)
			}
			row[names[i]] = nv
			vals[i] = nil
		}
		batch = append(batch, row)
		if len(batch) == batchRows {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return f.dbError("read the rows", err, ctx)
	}
	return flush()
}

// dbError explains a database error: a timeout names the limit, and a
// syntax error the place the database points at.
func (f *fetcher) dbError(what string, err error, ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || isTimeout(err) {
		return fmt.Errorf("%s: %s: the query did not finish within its timeout of %s; raise timeout: or make the query cheaper (%v)", f.driver, what, f.timeout, err)
	}
	return fmt.Errorf("%s: %s: %s", f.driver, what, describe(f.driver, f.query, err))
}
