package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// parser accepts 5 fields, 6 with seconds first, descriptors such as
// @hourly and @every 5m, and a CRON_TZ= or TZ= prefix.
var parser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Schedule tells the next time a job is due.
type Schedule = cron.Schedule

// Parse parses a schedule. Errors explain the accepted forms.
func Parse(spec string) (Schedule, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, fmt.Errorf("the schedule is empty; write cron such as \"*/5 * * * *\" or @every 5m")
	}
	s, err := parser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %v; write cron with 5 fields (minute hour day month weekday) or 6 (seconds first), @hourly, or @every 5m", spec, err)
	}
	return s, nil
}

// Interval estimates the time between two runs of s: the gap between its
// next two times after from.
func Interval(s Schedule, from time.Time) time.Duration {
	a := s.Next(from)
	return s.Next(a).Sub(a)
}
