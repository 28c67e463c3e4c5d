package export

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/store"
)

// BudgetRow is one budget's state in its current period.
type BudgetRow struct {
	Scope  string
	Period string
	Hard   bool
	Limit  money.USD
	Spent  money.USD // what the budget counts: priced cost plus the fallback of unpriced requests
}

// Snapshot is what a scrape reports: all-time usage by provider, model,
// key and source; budgets; alert counts.
type Snapshot struct {
	Usage   []store.UsageRow
	Budgets []BudgetRow
	Alerts  []store.AlertCount
}

// SnapshotFunc reads a snapshot; it runs once per scrape.
type SnapshotFunc func(context.Context) (Snapshot, error)

// scrapeTimeout bounds the database reads of one scrape.
const scrapeTimeout = 10 * time.Second

var (
	usageLabels  = []string{"provider", "model", "key", "source"}
	budgetLabels = []string{"scope", "period", "hard"}

	descRequests = prometheus.NewDesc("byok_requests_total", "Requests recorded (manual spend entries included, source manual).", usageLabels, nil)
	descErrors   = prometheus.NewDesc("byok_request_errors_total", "Requests that failed or were cancelled.", usageLabels, nil)
	descUnpriced = prometheus.NewDesc("byok_unpriced_requests_total", "Requests byok has no price for (not in byok_cost_usd_total).", usageLabels, nil)
	descTokens   = prometheus.NewDesc("byok_tokens_total", "Tokens by type: input (uncached), cache_read, cache_write, output (reasoning included), reasoning.",
		append(append([]string{}, usageLabels...), "type"), nil)
	descCost     = prometheus.NewDesc("byok_cost_usd_total", "Spend in US dollars as byok priced it, platform markup included.", usageLabels, nil)
	descFallback = prometheus.NewDesc("byok_unpriced_fallback_usd_total", "What budgets count for unpriced requests, in US dollars.", usageLabels, nil)

	descLimit = prometheus.NewDesc("byok_budget_limit_usd", "A budget's limit for its period.", budgetLabels, nil)
	descSpent = prometheus.NewDesc("byok_budget_spent_usd", "What a budget counts as spent in its current period.", budgetLabels, nil)
	descRatio = prometheus.NewDesc("byok_budget_used_ratio", "Spent over limit (1 means the budget is reached).", budgetLabels, nil)

	descAlerts     = prometheus.NewDesc("byok_alerts_total", "Alerts raised, by kind.", []string{"kind"}, nil)
	descAlertsOpen = prometheus.NewDesc("byok_alerts_open", "Alerts not acknowledged yet, by kind.", []string{"kind"}, nil)
	descUp         = prometheus.NewDesc("byok_scrape_ok", "1 when byok read its database for this scrape, 0 when it could not.", nil, nil)
)

// collector turns a snapshot into metrics at each scrape: the database is
// the state, so nothing is kept in memory between scrapes.
type collector struct{ read SnapshotFunc }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRequests, descErrors, descUnpriced, descTokens, descCost, descFallback,
		descLimit, descSpent, descRatio, descAlerts, descAlertsOpen, descUp} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	s, err := c.read(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 0)
		ch <- prometheus.NewInvalidMetric(descUp, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 1)
	for _, u := range s.Usage {
		l := []string{u.Provider, u.Model, u.KeyName, string(u.Source)}
		counter := func(d *prometheus.Desc, v float64, extra ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, append(l, extra...)...)
		}
		counter(descRequests, float64(u.Requests))
		counter(descErrors, float64(u.Errors))
		counter(descUnpriced, float64(u.Unpriced))
		counter(descCost, u.Cost.Float())
		counter(descFallback, u.Fallback.Float())
		counter(descTokens, float64(u.InputTokens), "input")
		counter(descTokens, float64(u.CacheReadTokens), "cache_read")
		counter(descTokens, float64(u.CacheWriteTokens), "cache_write")
		counter(descTokens, float64(u.OutputTokens), "output")
		counter(descTokens, float64(u.ReasoningTokens), "reasoning")
	}
	for _, b := range s.Budgets {
		l := []string{b.Scope, b.Period, strconv.FormatBool(b.Hard)}
		ch <- prometheus.MustNewConstMetric(descLimit, prometheus.GaugeValue, b.Limit.Float(), l...)
		ch <- prometheus.MustNewConstMetric(descSpent, prometheus.GaugeValue, b.Spent.Float(), l...)
		if b.Limit > 0 {
			// The ratio of two exact integers, computed once here rather
			// than from two rounded floats in a query.
			ch <- prometheus.MustNewConstMetric(descRatio, prometheus.GaugeValue, float64(b.Spent)/float64(b.Limit), l...)
		}
	}
	for _, a := range s.Alerts {
		ch <- prometheus.MustNewConstMetric(descAlerts, prometheus.CounterValue, float64(a.Total), string(a.Kind))
		ch <- prometheus.MustNewConstMetric(descAlertsOpen, prometheus.GaugeValue, float64(a.Open), string(a.Kind))
	}
}

// PrometheusHandler serves byok's metrics in the Prometheus exposition
// format, reading a snapshot at each scrape. Only byok's own series are
// exposed (no Go runtime series): the handler describes spend, not the
// process. The caller puts it behind its token check.
func PrometheusHandler(read SnapshotFunc) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{read: read})
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
