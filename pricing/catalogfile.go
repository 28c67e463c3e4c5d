package pricing

import (
	"encoding/json"
	"fmt"
)

// catalogFile is the wire form of a catalog: its description and one
// priceJSON per model, as Catalog.WriteJSON writes them.
type catalogFile struct {
	CatalogInfo
	Models []priceJSON `json:"models"`
}

// decodeCatalogJSON reads a catalog file with encoding/json.
func decodeCatalogJSON(b []byte) (CatalogInfo, []Price, error) {
	var f catalogFile
	if err := json.Unmarshal(b, &f); err != nil {
		return CatalogInfo{}, nil, err
	}
	prices := make([]Price, len(f.Models))
	for i := range f.Models {
		pj := &f.Models[i]
		if pj.Provider == "" || pj.Model == "" {
			return CatalogInfo{}, nil, fmt.Errorf("model %d has no provider or model name", i)
		}
		p, err := pj.toPrice()
		if err != nil {
			return CatalogInfo{}, nil, err
		}
		prices[i] = p
	}
	return f.CatalogInfo, prices, nil
}
