package config

import (
	"errors"
	"testing"
)

// FuzzParse: any file either parses into a checked config or fails with
// errors that name the file; it never panics.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"",
		"timezone = \"UTC\"\n[proxy]\naddr = \"127.0.0.1:9000\"\n",
		"[providers.vllm]\nkind = \"openai\"\nbase_url = \"http://localhost:8000/v1\"\n",
		"rotate_after_days = \"ninety\"\n",
		"[proxy]\nadress = 1\n",
		"[[providers]]\n",
		"timezone = \"Mars/Olympus\"\nkeyring = \"plain\"\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c := Default()
		err := Parse([]byte(text), &c, "config.toml")
		if err == nil {
			if c.Location() == nil || c.Proxy.Addr == "" {
				t.Fatalf("accepted a config without a zone or proxy address: %+v", c)
			}
			return
		}
		var ce *Error
		if !errors.As(err, &ce) || ce.File != "config.toml" {
			t.Fatalf("error %v does not name the file", err)
		}
	})
}
