package cli

import (
	"sync"

	"github.com/stackmap/stackmap/engine/model"
)

// telemetryQueue keeps the metrics and events of deliveries that failed,
// to send them with the mapping's next run. Topology and health are state:
// the newest snapshot replaces them, so they are never queued. The queue is
// bounded; past its size the oldest entries are dropped and counted.
type telemetryQueue struct {
	mu      sync.Mutex
	size    int
	metrics []model.Metric
	events  []model.Event
	dropped func(n int)
}

// put queues what a failed delivery carried.
func (q *telemetryQueue) put(metrics []model.Metric, events []model.Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.metrics = append(q.metrics, metrics...)
	q.events = append(q.events, events...)
	if over := len(q.metrics) + len(q.events) - q.size; over > 0 {
		// Drop the oldest: metrics first, as events carry more meaning.
		n := min(over, len(q.metrics))
		q.metrics = q.metrics[n:]
		q.events = q.events[over-n:]
		if q.dropped != nil {
			q.dropped(over)
		}
	}
}

// takeInto moves the queued entries to the front of b.
func (q *telemetryQueue) takeInto(b *model.Batch) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.metrics) > 0 {
		b.Metrics = append(q.metrics, b.Metrics...)
	}
	if len(q.events) > 0 {
		b.Events = append(q.events, b.Events...)
	}
	q.metrics, q.events = nil, nil
}

// len is the number of queued entries.
func (q *telemetryQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.metrics) + len(q.events)
}
