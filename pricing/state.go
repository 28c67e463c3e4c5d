package pricing

// State says how trustworthy a cost is.
type State string

// Cost states, from most to least certain.
const (
	// Reported: the provider said what it charged (OpenRouter usage.cost).
	Reported State = "reported"
	// Computed: provider-reported tokens × catalog price.
	Computed State = "computed"
	// Estimated: tokens counted locally because the provider reported none.
	Estimated State = "estimated"
	// Unpriced: no price is known. Never shown or summed as $0.
	Unpriced State = "unpriced"
)
