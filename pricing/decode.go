package pricing

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/byokhq/byok/money"
)

// This file reads catalog files without reflection: the embedded catalog is
// parsed at every start, and encoding/json spends several milliseconds on
// it. The format is the one Price.MarshalJSON and Catalog.WriteJSON write;
// unknown keys are skipped, so newer files still load.

// scanner walks a JSON document.
type scanner struct {
	b []byte
	i int
	// interned holds the few distinct provider and mode names, so each is
	// allocated once rather than once per model.
	interned map[string]string
}

// internStr reads a string that repeats across models.
func (s *scanner) internStr() (string, error) {
	raw, esc, err := s.rawString()
	if err != nil || esc {
		if err == nil {
			err = s.errorf("escaped name")
		}
		return "", err
	}
	if v, ok := s.interned[string(raw)]; ok {
		return v, nil
	}
	if s.interned == nil {
		s.interned = map[string]string{}
	}
	v := string(raw)
	s.interned[v] = v
	return v, nil
}

func (s *scanner) errorf(format string, a ...any) error {
	return fmt.Errorf("offset %d: %s", s.i, fmt.Sprintf(format, a...))
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *scanner) expect(c byte) error {
	if s.peek() != c {
		return s.errorf("want %q", c)
	}
	s.i++
	return nil
}

// rawString returns the bytes of a string without its quotes, and whether
// it holds escapes.
func (s *scanner) rawString() ([]byte, bool, error) {
	if err := s.expect('"'); err != nil {
		return nil, false, err
	}
	start, esc := s.i, false
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '\\':
			esc = true
			s.i += 2
		case c == '"':
			s.i++
			return s.b[start : s.i-1], esc, nil
		case c < 0x20:
			return nil, false, s.errorf("control character in string")
		default:
			s.i++
		}
	}
	return nil, false, s.errorf("unterminated string")
}

func (s *scanner) str() (string, error) {
	start := s.i
	raw, esc, err := s.rawString()
	if err != nil {
		return "", err
	}
	if !esc {
		return string(raw), nil
	}
	v, err := strconv.Unquote(string(s.b[start+countWS(s.b[start:]) : s.i]))
	if err != nil {
		return "", s.errorf("bad string escape")
	}
	return v, nil
}

func countWS(b []byte) int {
	n := 0
	for n < len(b) && (b[n] == ' ' || b[n] == '\t' || b[n] == '\n' || b[n] == '\r') {
		n++
	}
	return n
}

// number returns the text of a number.
func (s *scanner) number() (string, error) {
	s.ws()
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			s.i++
			continue
		}
		break
	}
	if s.i == start {
		return "", s.errorf("want a number")
	}
	return string(s.b[start:s.i]), nil
}

func (s *scanner) int64() (int64, error) {
	t, err := s.number()
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, s.errorf("%q is not a whole number", t)
	}
	return v, nil
}

// object calls fn for each key; fn must consume the value.
func (s *scanner) object(fn func(key []byte) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		key, esc, err := s.rawString()
		if err != nil {
			return err
		}
		if esc {
			return s.errorf("escaped object key")
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.errorf("want ',' or '}'")
		}
	}
}

// array calls fn for each element; fn must consume it.
func (s *scanner) array(fn func() error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.errorf("want ',' or ']'")
		}
	}
}

// skip consumes any value.
func (s *scanner) skip() error {
	switch s.peek() {
	case '{':
		return s.object(func([]byte) error { return s.skip() })
	case '[':
		return s.array(s.skip)
	case '"':
		_, _, err := s.rawString()
		return err
	case 't', 'f', 'n':
		for _, w := range []string{"true", "false", "null"} {
			if len(s.b)-s.i >= len(w) && string(s.b[s.i:s.i+len(w)]) == w {
				s.i += len(w)
				return nil
			}
		}
		return s.errorf("bad literal")
	default:
		_, err := s.number()
		return err
	}
}

// rate reads a dollars-per-million decimal string.
func (s *scanner) rate(field string) (money.PerMillion, error) {
	raw, esc, err := s.rawString()
	if err != nil {
		return 0, err
	}
	if v, ok := plainMicros(raw); ok && !esc {
		return v, nil
	}
	return parseRate(field, string(raw))
}

// plainMicros reads the common form of a rate, digits with at most six
// decimals ("2.5", "0.075", "15"), without allocating. Anything else is
// left to money.ParsePerMillion and its error messages.
func plainMicros(b []byte) (money.PerMillion, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var v int64
	dot, decimals := false, 0
	for _, c := range b {
		switch {
		case c == '.' && !dot:
			dot = true
		case c >= '0' && c <= '9':
			v = v*10 + int64(c-'0')
			if dot {
				decimals++
			}
		default:
			return 0, false
		}
	}
	if decimals > 6 || (dot && decimals == 0) {
		return 0, false
	}
	for ; decimals < 6; decimals++ {
		v *= 10
	}
	return money.PerMillion(v), true
}

// usd reads a dollar amount written as a decimal string or a number.
func (s *scanner) usd(field string) (money.USD, error) {
	var t string
	var err error
	if s.peek() == '"' {
		t, err = s.str()
	} else {
		t, err = s.number()
	}
	if err != nil {
		return 0, err
	}
	v, err := money.Parse(t)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", field, err)
	}
	if v < 0 {
		return 0, fmt.Errorf("%s: a price cannot be negative", field)
	}
	return v, nil
}

// rateKey reads one of the Rates keys into r; ok is false for other keys.
func (s *scanner) rateKey(key []byte, r *Rates) (ok bool, err error) {
	switch string(key) {
	case "input":
		r.Input, err = s.rate("input")
	case "output":
		r.Output, err = s.rate("output")
	case "cache_read":
		r.CacheRead, err = s.rate("cache_read")
		r.HasCacheRead = true
	case "cache_write_5m":
		r.CacheWrite5m, err = s.rate("cache_write_5m")
		r.HasCacheWrite5m = true
	case "cache_write_1h":
		r.CacheWrite1h, err = s.rate("cache_write_1h")
		r.HasCacheWrite1h = true
	case "reasoning":
		r.Reasoning, err = s.rate("reasoning")
		r.HasReasoning = true
	default:
		return false, nil
	}
	return true, err
}

func (s *scanner) rates() (Rates, error) {
	var r Rates
	err := s.object(func(key []byte) error {
		ok, err := s.rateKey(key, &r)
		if !ok && err == nil {
			err = s.skip()
		}
		return err
	})
	return r, err
}

// price reads one Price object.
func (s *scanner) price() (Price, error) {
	var p Price
	err := s.object(func(key []byte) error {
		if ok, err := s.rateKey(key, &p.Rates); ok || err != nil {
			return err
		}
		var err error
		switch string(key) {
		case "provider":
			p.Provider, err = s.internStr()
		case "model":
			p.Model, err = s.str()
		case "mode":
			p.Mode, err = s.internStr()
		case "origin":
			p.Origin, err = s.str()
		case "source":
			p.Source, err = s.str()
		case "date":
			p.Date, err = s.str()
		case "ref":
			p.Ref, err = s.str()
		case "max_input":
			p.MaxInput, err = s.int64()
		case "max_output":
			p.MaxOutput, err = s.int64()
		case "per_request":
			p.PerRequest, err = s.usd("per_request")
		case "per_web_search":
			p.PerWebSearch, err = s.usd("per_web_search")
		case "per_image":
			p.PerImage, err = s.usd("per_image")
		case "per_second":
			p.PerSecond, err = s.usd("per_second")
		case "per_character":
			p.PerCharacter, err = s.usd("per_character")
		case "input_image":
			p.InputImage, err = s.rate("input_image")
			p.HasInputImage = true
		case "output_image":
			p.OutputImage, err = s.rate("output_image")
			p.HasOutputImage = true
		case "input_audio":
			p.InputAudio, err = s.rate("input_audio")
			p.HasInputAudio = true
		case "output_audio":
			p.OutputAudio, err = s.rate("output_audio")
			p.HasOutputAudio = true
		case "images":
			err = s.array(func() error {
				var ip ImagePrice
				err := s.object(func(key []byte) error {
					var err error
					switch string(key) {
					case "size":
						ip.Size, err = s.str()
					case "quality":
						ip.Quality, err = s.str()
					case "per_image":
						ip.PerImage, err = s.usd("images.per_image")
					default:
						err = s.skip()
					}
					return err
				})
				if err != nil {
					return err
				}
				if ip.Size == "" {
					return errors.New("an image price needs a size (WIDTHxHEIGHT)")
				}
				p.Images = append(p.Images, ip)
				return nil
			})
			sortImages(p.Images)
		case "tiers":
			err = s.array(func() error {
				var t Tier
				err := s.object(func(key []byte) error {
					if ok, err := s.rateKey(key, &t.Rates); ok || err != nil {
						return err
					}
					var err error
					switch string(key) {
					case "above":
						t.Above, err = s.int64()
					case "service":
						t.Service, err = s.str()
					default:
						err = s.skip()
					}
					return err
				})
				if err != nil {
					return err
				}
				if t.Above <= 0 {
					return errors.New("tier above must be a positive token count")
				}
				p.Tiers = append(p.Tiers, t)
				return nil
			})
			sortTiers(p.Tiers)
		case "service_tiers":
			err = s.object(func(key []byte) error {
				r, err := s.rates()
				if err != nil {
					return err
				}
				if p.ServiceTiers == nil {
					p.ServiceTiers = map[string]Rates{}
				}
				p.ServiceTiers[string(key)] = r
				return nil
			})
		default:
			err = s.skip()
		}
		return err
	})
	if err != nil {
		return Price{}, fmt.Errorf("model %s/%s: %w", p.Provider, p.Model, err)
	}
	return p, nil
}

// decodeCatalog reads a catalog file.
func decodeCatalog(b []byte) (CatalogInfo, []Price, error) {
	s := &scanner{b: b}
	var info CatalogInfo
	var prices []Price
	err := s.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "date":
			info.Date, err = s.str()
		case "generated":
			info.Generated, err = s.str()
		case "source":
			info.Source, err = s.str()
		case "local":
			err = s.array(func() error {
				l, err := s.str()
				info.Local = append(info.Local, l)
				return err
			})
		case "models":
			prices = make([]Price, 0, len(b)/200)
			err = s.array(func() error {
				p, err := s.price()
				if err != nil {
					return err
				}
				if p.Provider == "" || p.Model == "" {
					return fmt.Errorf("model %d has no provider or model name", len(prices))
				}
				prices = append(prices, p)
				return nil
			})
		default:
			err = s.skip()
		}
		return err
	})
	if err == nil && s.peek() != 0 {
		err = s.errorf("unexpected data after the catalog")
	}
	return info, prices, err
}
