// Package schedule parses and runs cron schedules with robfig/cron/v3. It
// knows nothing of mappings: it runs functions at times.
package schedule
