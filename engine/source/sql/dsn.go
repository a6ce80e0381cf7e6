package sql

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

var kvPasswordRE = regexp.MustCompile(`(?i)\bpassword\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)

// dsnPassword returns the password a DSN holds, or "".
func dsnPassword(driver, dsn string) string {
	switch driver {
	case "postgres":
		if u, err := url.Parse(dsn); err == nil && u.User != nil {
			p, _ := u.User.Password()
			return p
		}
		if m := kvPasswordRE.FindStringSubmatch(dsn); m != nil {
			return strings.Trim(m[1], "'")
		}
	case "mysql", "mariadb":
		if cfg, err := mysql.ParseDSN(dsn); err == nil {
			return cfg.Passwd
		}
	}
	return ""
}

// maskDSN shows a DSN with its password masked.
func maskDSN(driver, dsn string) string {
	if p := dsnPassword(driver, dsn); p != "" {
		return strings.ReplaceAll(dsn, p, "******")
	}
	return dsn
}

// prepareDSN completes a DSN: a relative SQLite file is found beside the
// mapping, and MySQL returns typed times.
func (f *fetcher) prepareDSN(dsn string) (string, error) {
	switch f.driver {
	case "sqlite":
		path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
		if path != "" && path != ":memory:" && !filepath.IsAbs(path) {
			path = filepath.Join(f.dir, path)
		}
		// Read-only unless the DSN says otherwise: a mistyped path must
		// not create an empty database.
		if !strings.Contains(query, "mode=") {
			query = strings.TrimPrefix(query+"&mode=ro", "&")
		}
		dsn = "file:" + path + "?" + query
	case "mysql", "mariadb":
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return "", fmt.Errorf("%s: dsn %s: %w; write it as user:password@tcp(host:3306)/database", f.driver, maskDSN(f.driver, dsn), err)
		}
		cfg.ParseTime = true
		dsn = cfg.FormatDSN()
	}
	return dsn, nil
}

// describe explains a database error with what the database says: its
// code, and for a syntax error the line and column of the query it points
// at.
func describe(driver, query string, err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		msg := fmt.Sprintf("%s (SQLSTATE %s)", pg.Message, pg.Code)
		if pg.Detail != "" {
			msg += "; " + pg.Detail
		}
		if pg.Hint != "" {
			msg += "; hint: " + pg.Hint
		}
		if pg.Position > 0 {
			line, col := lineCol(query, int(pg.Position))
			msg += fmt.Sprintf(" at line %d, column %d of the query", line, col)
		}
		return msg
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		return fmt.Sprintf("%s (error %d)", my.Message, my.Number)
	}
	return err.Error()
}

// lineCol finds character pos (from 1) of the query.
func lineCol(query string, pos int) (int, int) {
	line, col := 1, 1
	for i, r := range []rune(query) {
		if i+1 >= pos {
			break
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// isTimeout reports whether the server cancelled the query for its
// statement timeout.
func isTimeout(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "57014" {
		return true
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) && (my.Number == 1969 || my.Number == 3024) {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded)
}
